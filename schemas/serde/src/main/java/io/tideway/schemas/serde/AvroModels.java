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

  /**
   * The model to read a generated class with: its own ({@code MODEL$}, which carries its
   * conversions), unless that model would look the record classes up in another class loader than
   * the class's. A generated class of a topology jar, in a class loader of its own, is one: its
   * model is bound to the loader of Avro itself, which cannot see the jar's classes, and would read
   * its records, nested ones too, as generic records. Such a class gets a model of its loader with
   * the same conversions, one per class.
   */
  static SpecificData specific(Class<?> type) {
    SpecificData own = SpecificData.getForClass(type);
    ClassLoader loader = type.getClassLoader();
    if (own.getClassLoader() == loader || loader == null) {
      return own;
    }
    return OWN_LOADER.get(type);
  }

  private static final ClassValue<SpecificData> OWN_LOADER =
      new ClassValue<>() {
        @Override
        protected SpecificData computeValue(Class<?> type) {
          SpecificData model = new SpecificData(type.getClassLoader());
          SpecificData.getForClass(type).getConversions().forEach(model::addLogicalTypeConversion);
          return model;
        }
      };

  private static GenericData withLogicalTypes() {
    GenericData model = new GenericData();
    // The specific model's defaults cover time, UUID and big-decimal; decimal is added by
    // generated classes themselves, so it is added here.
    SpecificData.get().getConversions().forEach(model::addLogicalTypeConversion);
    model.addLogicalTypeConversion(new Conversions.DecimalConversion());
    return model;
  }
}
