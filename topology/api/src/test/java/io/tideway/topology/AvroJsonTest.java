package io.tideway.topology;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.junit.jupiter.api.Test;

class AvroJsonTest {

  private final ObjectMapper mapper = new ObjectMapper();
  private final AvroJson json = new AvroJson(mapper);

  private final UUID orderId = UUID.randomUUID();
  private final OrderPlaced order =
      OrderPlaced.newBuilder()
          .setOrderId(orderId)
          .setCustomerId(UUID.randomUUID())
          .setLines(
              List.of(
                  OrderLine.newBuilder()
                      .setProductId(UUID.randomUUID())
                      .setQuantity(3)
                      .setUnitPrice(new BigDecimal("4.10"))
                      .build()))
          .setTotal(new BigDecimal("12.30"))
          .setPlacedAt(Instant.parse("2026-12-05T08:00:00Z"))
          .build();

  @Test
  void aRenderingReadBackWithTheExactMapperKeepsItsDecimalsAsWritten() throws Exception {
    String answer = "{\"total\":12.30,\"big\":12345678901234567.89}";

    JsonNode exact = AvroJson.exactMapper().readTree(answer);

    assertThat(exact.get("total").decimalValue()).isEqualTo(new BigDecimal("12.30"));
    assertThat(exact.get("big").decimalValue()).isEqualTo(new BigDecimal("12345678901234567.89"));
    assertThat(AvroJson.exactMapper().writeValueAsString(exact)).isEqualTo(answer);
    // what a plain mapper makes of it
    assertThat(new ObjectMapper().readTree(answer).toString()).isNotEqualTo(answer);
  }

  @Test
  void anAvroRecordReadsFieldByFieldWithLogicalTypesAsTheirNaturalText() {
    JsonNode node = json.render(order);

    assertThat(node.path("orderId").asText()).isEqualTo(orderId.toString());
    assertThat(node.path("total").isNumber()).isTrue();
    assertThat(node.path("total").toString()).isEqualTo("12.30");
    assertThat(node.path("placedAt").asText()).isEqualTo("2026-12-05T08:00:00Z");
    assertThat(node.path("lines").get(0).path("quantity").asInt()).isEqualTo(3);
    assertThat(node.path("shippingAddress").isNull()).isTrue();
  }

  @Test
  void aStoreValueReadsAsItsValueAndBytesAsBase64() {
    Map<String, Object> value = new LinkedHashMap<>();
    value.put("bytes", ByteBuffer.wrap("hi".getBytes(StandardCharsets.UTF_8)));
    value.put("nothing", null);
    value.put("items", List.of(1, "two"));

    JsonNode node = json.render(ValueAndTimestamp.make(value, 42L));

    assertThat(node.toString())
        .isEqualTo("{\"bytes\":\"aGk=\",\"nothing\":null,\"items\":[1,\"two\"]}");
    assertThat(json.render(null).isNull()).isTrue();
  }

  @Test
  void everyFormRendersTheSame() throws Exception {
    JsonNode tree = json.render(order);
    ObjectNode answer = mapper.createObjectNode().put("key", "k");
    answer.set("value", json.streamed(order));

    assertThat(json.text(order)).isEqualTo(tree.toString());
    assertThat(mapper.writeValueAsString(answer))
        .isEqualTo("{\"key\":\"k\",\"value\":" + tree + "}");
  }
}
