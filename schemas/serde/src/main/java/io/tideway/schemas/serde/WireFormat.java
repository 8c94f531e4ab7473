package io.tideway.schemas.serde;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;

/**
 * Confluent's wire format: magic byte {@code 0x0}, the schema id as a 4-byte big-endian int, then
 * the Avro binary encoding of the datum with that schema.
 */
final class WireFormat {

  static final byte MAGIC_BYTE = 0x0;

  /** The magic byte and the schema id. */
  static final int HEADER_LENGTH = 5;

  // Encoders and decoders hold per-call state: one per thread, re-aimed at each call's bytes.
  private static final ThreadLocal<BinaryEncoder> ENCODERS = new ThreadLocal<>();
  private static final ThreadLocal<BinaryDecoder> DECODERS = new ThreadLocal<>();

  private WireFormat() {}

  static byte[] write(int schemaId, DatumWriter<Object> writer, Object datum) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128);
    out.write(MAGIC_BYTE);
    out.write(schemaId >>> 24);
    out.write(schemaId >>> 16);
    out.write(schemaId >>> 8);
    out.write(schemaId);
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, ENCODERS.get());
    ENCODERS.set(encoder);
    writer.write(datum, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  static int schemaId(byte[] bytes) {
    return ((bytes[1] & 0xFF) << 24)
        | ((bytes[2] & 0xFF) << 16)
        | ((bytes[3] & 0xFF) << 8)
        | (bytes[4] & 0xFF);
  }

  /** A decoder over the Avro data after the header. */
  static BinaryDecoder decoder(byte[] bytes) {
    BinaryDecoder decoder =
        DecoderFactory.get()
            .binaryDecoder(bytes, HEADER_LENGTH, bytes.length - HEADER_LENGTH, DECODERS.get());
    DECODERS.set(decoder);
    return decoder;
  }
}
