package io.tideway.services.inventory.web;

import io.tideway.services.inventory.application.InventoryCommands;
import io.tideway.services.inventory.domain.Product;
import io.tideway.services.starter.EntityVersions;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The commands: adding a product and setting its stock. */
@RestController
@RequestMapping(path = "/products", consumes = MediaType.APPLICATION_JSON_VALUE)
class ProductCommandController {

  private final InventoryCommands commands;

  ProductCommandController(InventoryCommands commands) {
    this.commands = commands;
  }

  @PostMapping
  ResponseEntity<ProductView> add(@Valid @RequestBody AddProductBody body) {
    Product p = commands.add(body.sku(), body.name(), body.price(), body.stock());
    return ResponseEntity.created(URI.create("/products/" + p.id()))
        .header(HttpHeaders.ETAG, EntityVersions.etag(p.version()))
        .body(ProductView.of(p));
  }

  /**
   * Honours {@code If-Match}: a stale version is refused with 412 (a reservation or release came in
   * between); no header means any.
   */
  @PutMapping("/{id}/stock")
  ResponseEntity<ProductView> adjustStock(
      @PathVariable UUID id,
      @RequestHeader(name = HttpHeaders.IF_MATCH, required = false) String ifMatch,
      @Valid @RequestBody StockBody body) {
    Product p = commands.adjustStock(id, EntityVersions.ifMatch(ifMatch), body.stock());
    return ResponseEntity.ok()
        .header(HttpHeaders.ETAG, EntityVersions.etag(p.version()))
        .body(ProductView.of(p));
  }
}
