package io.tideway.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.tideway.contracts.common.Address;
import io.tideway.contracts.common.AddressType;
import io.tideway.contracts.customer.CustomerAddressChanged;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.SchemaParser;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * CustomerAddressChanged v2 added the optional addressType. Producers and consumers on either
 * version must keep understanding each other on the wire.
 */
class CustomerAddressChangedEvolutionTest {

  private static final Path RELEASED =
      Path.of("src", "main", "avro-history", CustomerAddressChanged.getClassSchema().getFullName());

  private static final UUID CUSTOMER_ID = UUID.fromString("0b7d4a52-4a4f-4d7c-9a55-1f4c6e1a2b3c");
  private static final Instant CHANGED_AT = Instant.parse("2025-06-02T08:15:30.123Z");

  private static Schema v1;
  private static Schema v2;

  @BeforeAll
  static void readReleasedVersions() throws IOException {
    v1 = new SchemaParser().parse(RELEASED.resolve("v1.avsc")).mainSchema();
    v2 = new SchemaParser().parse(RELEASED.resolve("v2.avsc")).mainSchema();
  }

  @Test
  void shouldGenerateTheClassFromV2() {
    // the generated schema also carries Java-only hints, such as which string class to use
    assertThat(SchemaNormalization.toParsingForm(CustomerAddressChanged.getClassSchema()))
        .isEqualTo(SchemaNormalization.toParsingForm(v2));
    assertThat(v1.getField("addressType")).isNull();
  }

  @Test
  void canReadAChangeWrittenByAV1ProducerWithAddressTypeNull() {
    // given: a producer still on v1
    GenericRecord address = new GenericData.Record(v1.getField("address").schema());
    address.put("street", "Hafenstrasse 7");
    address.put("city", "Hamburg");
    address.put("postalCode", "20359");
    address.put("country", "DE");
    GenericRecord change = new GenericData.Record(v1);
    change.put("customerId", CUSTOMER_ID.toString());
    change.put("customerVersion", 4L);
    change.put("address", address);
    change.put("changedAt", CHANGED_AT.toEpochMilli());
    byte[] written = Avro.encodeGeneric(change);

    // when: a consumer on v2 reads it
    CustomerAddressChanged read = Avro.decode(written, v1, CustomerAddressChanged.class);

    // then
    assertThat(read.getAddressType()).isNull();
    assertThat(read.getCustomerId()).isEqualTo(CUSTOMER_ID);
    assertThat(read.getCustomerVersion()).isEqualTo(4L);
    assertThat(read.getAddress())
        .isEqualTo(new Address("Hafenstrasse 7", "Hamburg", "20359", "DE"));
    assertThat(read.getChangedAt()).isEqualTo(CHANGED_AT);
  }

  @Test
  void canBeReadByAV1Consumer() {
    // given: a producer on v2 that sets the new field
    CustomerAddressChanged change =
        CustomerAddressChanged.newBuilder()
            .setCustomerId(CUSTOMER_ID)
            .setCustomerVersion(5L)
            .setAddress(new Address("Kaiserstrasse 12", "Frankfurt am Main", "60311", "DE"))
            .setChangedAt(CHANGED_AT)
            .setAddressType(AddressType.BILLING)
            .build();
    byte[] written = Avro.encode(change);

    // when: a consumer still on v1 reads it
    GenericRecord read = Avro.decodeGeneric(written, CustomerAddressChanged.getClassSchema(), v1);

    // then: it sees every field it knows and nothing of the new one
    assertThat(read.getSchema().getField("addressType")).isNull();
    assertThat(read.get("customerId")).hasToString(CUSTOMER_ID.toString());
    assertThat(read.get("customerVersion")).isEqualTo(5L);
    assertThat(((GenericRecord) read.get("address")).get("city")).hasToString("Frankfurt am Main");
    assertThat(read.get("changedAt")).isEqualTo(CHANGED_AT.toEpochMilli());
  }

  @Test
  void shouldKeepTheAddressTypeBetweenV2ProducerAndConsumer() {
    CustomerAddressChanged change =
        CustomerAddressChanged.newBuilder()
            .setCustomerId(CUSTOMER_ID)
            .setCustomerVersion(6L)
            .setAddress(new Address("Marktplatz 1", "Bremen", "28195", "DE"))
            .setChangedAt(CHANGED_AT)
            .setAddressType(AddressType.SHIPPING)
            .build();

    CustomerAddressChanged read =
        Avro.decode(
            Avro.encode(change),
            CustomerAddressChanged.getClassSchema(),
            CustomerAddressChanged.class);

    assertThat(read).isEqualTo(change);
    assertThat(read.getAddressType()).isEqualTo(AddressType.SHIPPING);
  }
}
