package dev.jtune.export.onnx;

import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Builds one protobuf message in wire format (protobuf-java's {@link CodedOutputStream}); nested
 * messages are built first and embedded as length-delimited bytes. Repeated scalars are written
 * unpacked, the proto2 default the ONNX schema uses.
 */
final class ProtoWriter {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final CodedOutputStream out = CodedOutputStream.newInstance(bytes);

  ProtoWriter int64(int field, long v) {
    return io(() -> out.writeInt64(field, v));
  }

  ProtoWriter int32(int field, int v) {
    return io(() -> out.writeInt32(field, v));
  }

  ProtoWriter float32(int field, float v) {
    return io(() -> out.writeFloat(field, v));
  }

  ProtoWriter string(int field, String v) {
    return io(() -> out.writeString(field, v));
  }

  ProtoWriter bytes(int field, byte[] v) {
    return io(() -> out.writeByteArray(field, v));
  }

  ProtoWriter message(int field, ProtoWriter m) {
    return bytes(field, m.toByteArray());
  }

  byte[] toByteArray() {
    io(out::flush);
    return bytes.toByteArray();
  }

  private interface Write {
    void run() throws IOException;
  }

  private ProtoWriter io(Write w) {
    try {
      w.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return this;
  }
}
