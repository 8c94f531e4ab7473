package io.tideway.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.common.AddressType;
import io.tideway.contracts.common.StockLine;
import io.tideway.contracts.customer.CustomerAddressChanged;
import io.tideway.contracts.customer.CustomerCreated;
import io.tideway.contracts.customer.CustomerCreditRejected;
import io.tideway.contracts.customer.CustomerCreditReleased;
import io.tideway.contracts.customer.CustomerCreditReserved;
import io.tideway.contracts.inventory.ProductAdded;
import io.tideway.contracts.inventory.StockAdjusted;
import io.tideway.contracts.inventory.StockReleased;
import io.tideway.contracts.inventory.StockReserved;
import io.tideway.contracts.inventory.StockUnavailable;
import io.tideway.contracts.order.OrderApproved;
import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.contracts.order.OrderRejected;
import io.tideway.contracts.order.OrderShippingAddressUpdated;
import io.tideway.contracts.saga.ApproveOrder;
import io.tideway.contracts.saga.RejectOrder;
import io.tideway.contracts.saga.ReleaseCredit;
import io.tideway.contracts.saga.ReleaseStock;
import io.tideway.contracts.saga.ReserveCredit;
import io.tideway.contracts.saga.ReserveStock;
import java.io.IOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.avro.AvroTypeException;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every event and command survives Avro binary encoding through its generated class. */
class ContractRoundTripTest {

  private static final UUID CUSTOMER_ID = UUID.fromString("6f1c2a9e-0d3b-4c8e-8a1f-2b7e9c4d5a60");
  private static final UUID ORDER_ID = UUID.fromString("c3a8e1f4-7b2d-4e9a-b6c5-0f1e2d3c4b5a");
  private static final UUID PRODUCT_ID = UUID.fromString("9e8d7c6b-5a49-4382-a716-d5c4b3a29180");
  private static final UUID SAGA_ID = UUID.fromString("1a2b3c4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d");
  private static final Instant AT = Instant.parse("2025-06-02T08:15:30.123Z");
  private static final Address ADDRESS = new Address("Hafenstrasse 7", "Hamburg", "20359", "DE");
  private static final List<StockLine> STOCK_LINES =
      List.of(new StockLine(PRODUCT_ID, 2), new StockLine(UUID.randomUUID(), 1));

  static Stream<SpecificRecord> eventsAndCommands() {
    return Stream.of(
        new CustomerCreated(
            CUSTOMER_ID, "Ada Lovelace", "ada@example.org", money("5000.00"), ADDRESS, AT),
        new CustomerAddressChanged(CUSTOMER_ID, 2L, ADDRESS, AT, AddressType.HOME),
        new CustomerAddressChanged(CUSTOMER_ID, 3L, ADDRESS, AT, null),
        new CustomerCreditReserved(CUSTOMER_ID, ORDER_ID, money("59.98"), AT),
        new CustomerCreditRejected(
            CUSTOMER_ID, ORDER_ID, money("9999.99"), "credit limit exceeded", AT),
        new CustomerCreditReleased(CUSTOMER_ID, ORDER_ID, money("59.98"), AT),
        new OrderPlaced(
            ORDER_ID,
            CUSTOMER_ID,
            List.of(
                new OrderLine(PRODUCT_ID, 2, money("19.99")),
                new OrderLine(UUID.randomUUID(), 1, money("20.00"))),
            money("59.98"),
            null,
            AT),
        new OrderPlaced(
            ORDER_ID,
            CUSTOMER_ID,
            List.of(new OrderLine(PRODUCT_ID, 1, money("0.01"))),
            money("0.01"),
            ADDRESS,
            AT),
        new OrderApproved(ORDER_ID, AT),
        new OrderRejected(ORDER_ID, "out of stock", AT),
        new OrderShippingAddressUpdated(ORDER_ID, CUSTOMER_ID, ADDRESS, 3L, AT),
        new ProductAdded(PRODUCT_ID, "TW-MUG-001", "Tideway mug", money("12.50"), 100, AT),
        new StockAdjusted(PRODUCT_ID, 97, AT),
        new StockReserved(ORDER_ID, STOCK_LINES, AT),
        new StockUnavailable(ORDER_ID, PRODUCT_ID, 5, 3, AT),
        new StockReleased(ORDER_ID, STOCK_LINES, AT),
        new ReserveCredit(SAGA_ID, UUID.randomUUID(), AT, ORDER_ID, CUSTOMER_ID, money("59.98")),
        new ReleaseCredit(SAGA_ID, UUID.randomUUID(), AT, ORDER_ID, CUSTOMER_ID, money("59.98")),
        new ReserveStock(SAGA_ID, UUID.randomUUID(), AT, ORDER_ID, STOCK_LINES),
        new ReleaseStock(SAGA_ID, UUID.randomUUID(), AT, ORDER_ID, STOCK_LINES),
        new ApproveOrder(SAGA_ID, UUID.randomUUID(), AT, ORDER_ID),
        new RejectOrder(SAGA_ID, UUID.randomUUID(), AT, ORDER_ID, "credit limit exceeded"));
  }

  @ParameterizedTest
  @MethodSource("eventsAndCommands")
  void shouldDecodeWhatWasEncoded(SpecificRecord original) {
    // when
    SpecificRecord decoded =
        Avro.decode(Avro.encode(original), original.getSchema(), original.getClass());

    // then
    assertThat(decoded).isEqualTo(original);
    assertThat(amounts(decoded)).allSatisfy(amount -> assertThat(amount.scale()).isEqualTo(2));
  }

  @Test
  void shouldCoverEveryEventAndCommand() throws IOException {
    Set<String> covered =
        eventsAndCommands()
            .map(record -> record.getSchema().getFullName())
            .collect(Collectors.toSet());

    assertThat(covered)
        .containsExactlyInAnyOrderElementsOf(ContractSchemaFiles.eventAndCommandNames());
  }

  @Test
  void shouldCarryAmountsWithExactlyTwoDecimals() {
    // given: an amount written with fewer decimals
    CustomerCreditReserved reserved =
        new CustomerCreditReserved(CUSTOMER_ID, ORDER_ID, new BigDecimal("12.5"), AT);

    // when
    CustomerCreditReserved read =
        Avro.decode(
            Avro.encode(reserved),
            CustomerCreditReserved.getClassSchema(),
            CustomerCreditReserved.class);

    // then
    assertThat(read.getAmount()).isEqualTo(new BigDecimal("12.50"));
  }

  @Test
  void shouldRefuseAnAmountWithMoreDecimalsRatherThanRoundIt() {
    // given
    CustomerCreditReserved reserved =
        new CustomerCreditReserved(CUSTOMER_ID, ORDER_ID, new BigDecimal("12.505"), AT);

    // when / then
    assertThatThrownBy(() -> Avro.encode(reserved))
        .isInstanceOf(AvroTypeException.class)
        .hasMessageContaining("scale 3 as scale 2");
  }

  @Test
  void shouldKeepTimestampsToTheMillisecond() {
    // given
    Instant withMicros = Instant.parse("2025-06-02T08:15:30.123456Z");
    OrderApproved approved = new OrderApproved(ORDER_ID, withMicros);

    // when
    OrderApproved read =
        Avro.decode(Avro.encode(approved), OrderApproved.getClassSchema(), OrderApproved.class);

    // then
    assertThat(read.getApprovedAt()).isEqualTo(Instant.parse("2025-06-02T08:15:30.123Z"));
  }

  private static BigDecimal money(String amount) {
    return new BigDecimal(amount);
  }

  /** Every decimal in a record, nested records and arrays included. */
  private static List<BigDecimal> amounts(Object value) {
    if (value instanceof BigDecimal amount) {
      return List.of(amount);
    }
    if (value instanceof SpecificRecord record) {
      return record.getSchema().getFields().stream()
          .flatMap(field -> amounts(record.get(field.pos())).stream())
          .toList();
    }
    if (value instanceof List<?> items) {
      return items.stream().flatMap(item -> amounts(item).stream()).toList();
    }
    return List.of();
  }
}
