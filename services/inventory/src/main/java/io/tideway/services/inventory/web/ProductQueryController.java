package io.tideway.services.inventory.web;

import io.tideway.services.inventory.domain.Product;
import io.tideway.services.inventory.persistence.ProductRepository;
import io.tideway.services.starter.EntityVersions;
import io.tideway.services.starter.ResourceNotFoundException;
import java.util.UUID;
import org.springframework.http.HttpHeaders;
import org.springframework.http.ResponseEntity;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** The queries: a product by id, with the units available now. */
@RestController
class ProductQueryController {

  private final ProductRepository products;

  ProductQueryController(ProductRepository products) {
    this.products = products;
  }

  @GetMapping("/products/{id}")
  @Transactional(readOnly = true)
  ResponseEntity<ProductView> product(@PathVariable UUID id) {
    Product p =
        products.find(id, false).orElseThrow(() -> new ResourceNotFoundException("product", id));
    return ResponseEntity.ok()
        .header(HttpHeaders.ETAG, EntityVersions.etag(p.version()))
        .body(ProductView.of(p));
  }
}
