package dev.jtune.eval;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import org.tensorflow.proto.Event;

/**
 * A TFRecord reader for tests, written from the format's definition (not with the writer's code):
 * every record's length CRC and data CRC are checked, and a file must end on a record boundary.
 */
public final class TfRecords {
  private TfRecords() {}

  /** The data of every record of {@code file}; fails on a bad CRC or a torn record. */
  public static List<byte[]> read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<byte[]> out = new ArrayList<>();
    while (b.hasRemaining()) {
      if (b.remaining() < 12) throw new IllegalStateException(file + ": torn length header at byte " + b.position());
      byte[] len = new byte[8];
      b.get(len);
      long length = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
      int lengthCrc = b.getInt();
      if (lengthCrc != masked(len)) throw new IllegalStateException(file + ": bad length CRC at record " + out.size());
      if (length < 0 || length > b.remaining() - 4) throw new IllegalStateException(file + ": torn record " + out.size());
      byte[] data = new byte[(int) length];
      b.get(data);
      if (b.getInt() != masked(data)) throw new IllegalStateException(file + ": bad data CRC at record " + out.size());
      out.add(data);
    }
    return out;
  }

  /** Every record of {@code file} parsed as a TensorFlow {@link Event}. */
  public static List<Event> events(Path file) throws IOException {
    List<Event> out = new ArrayList<>();
    for (byte[] r : read(file)) out.add(Event.parseFrom(r));
    return out;
  }

  private static int masked(byte[] data) {
    CRC32C c = new CRC32C();
    c.update(data);
    long crc = c.getValue();
    long rotated = ((crc >>> 15) | (crc << 17)) & 0xffffffffL;
    return (int) (rotated + 0xa282ead8L);
  }
}
