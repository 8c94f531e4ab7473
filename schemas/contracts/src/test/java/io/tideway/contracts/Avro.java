package io.tideway.contracts;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/** Avro binary encoding and decoding, as producers and consumers do it, minus the wire header. */
final class Avro {

  private Avro() {}

  static <T extends SpecificRecord> byte[] encode(T record) {
    @SuppressWarnings("unchecked")
    Class<T> type = (Class<T>) record.getClass();
    return encode(new SpecificDatumWriter<>(type), record);
  }

  static byte[] encodeGeneric(GenericRecord record) {
    return encode(new GenericDatumWriter<>(record.getSchema()), record);
  }

  /** Decodes into the generated class, resolving {@code writer}'s data to the class's schema. */
  static <T extends SpecificRecord> T decode(byte[] bytes, Schema writer, Class<T> type) {
    SpecificDatumReader<T> reader = new SpecificDatumReader<>(type);
    reader.setSchema(writer);
    return decode(reader, bytes);
  }

  /** Decodes as a reader that only knows {@code reader}, such as an older consumer. */
  static GenericRecord decodeGeneric(byte[] bytes, Schema writer, Schema reader) {
    return decode(new GenericDatumReader<GenericRecord>(writer, reader), bytes);
  }

  private static <T> byte[] encode(DatumWriter<T> writer, T datum) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
      writer.write(datum, encoder);
      encoder.flush();
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static <T> T decode(DatumReader<T> reader, byte[] bytes) {
    try {
      return reader.read(null, DecoderFactory.get().binaryDecoder(bytes, null));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
