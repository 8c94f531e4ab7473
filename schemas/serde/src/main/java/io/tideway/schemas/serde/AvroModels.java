package io.tideway.schemas.serde;

import java.util.List;
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

  /**
   * The model to read a union of generated classes with: the first's loader, and the conversions of
   * all of them. One class's model holds only the conversions its own schema uses, and a value of a
   * logical type inside a union (an optional decimal) is converted by the model, not by its class:
   * read with another branch's model, it would stay bytes where the class holds a decimal.
   */
  static SpecificData specific(List<Class<?>> types) {
    if (types.size() == 1) {
      return specific(types.get(0));
    }
    SpecificData model = new SpecificData(types.get(0).getClassLoader());
    for (Class<?> type : types) {
      specific(type).getConversions().forEach(model::addLogicalTypeConversion);
    }
    return model;
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
