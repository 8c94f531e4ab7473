package io.tideway.schemas.serde;

import org.apache.avro.Conversions;
import org.apache.avro.generic.GenericData;
import org.apache.avro.specific.SpecificData;

/** The data models generic records are read and written with. */
final class AvroModels {

  /** Logical types as their underlying Avro types: {@code ByteBuffer} for a decimal. */
  static final GenericData PLAIN = GenericData.get();

  /** Logical types as Java types: {@code BigDecimal}, {@code Instant}, {@code UUID}… */
  static final GenericData WITH_LOGICAL_TYPES = withLogicalTypes();

  private AvroModels() {}

  static GenericData generic(boolean logicalTypes) {
    return logicalTypes ? WITH_LOGICAL_TYPES : PLAIN;
  }

  private static GenericData withLogicalTypes() {
    GenericData model = new GenericData();
    // The specific model's defaults cover time, UUID and big-decimal; decimal is added by
    // generated classes themselves, so it is added here.
    SpecificData.get().getConversions().forEach(model::addLogicalTypeConversion);
    model.addLogicalTypeConversion(new Conversions.DecimalConversion());
    return model;
  }
}
