package dev.jtune.eval;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * TensorFlow's TFRecord framing over a stream: each record is its length (uint64, little-endian),
 * the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data. A reader can
 * tell a complete record from a torn one, so a file cut short by a crash is still readable up to its
 * last complete record (which is what TensorBoard does with event files).
 */
public final class TfRecordWriter {
  private static final int MASK_DELTA = 0xa282ead8;

  private final OutputStream out;

  public TfRecordWriter(OutputStream out) {
    this.out = out;
  }

  /** Appends one record; nothing reaches the stream until the whole frame is built. */
  public void write(byte[] data) throws IOException {
    ByteBuffer frame = ByteBuffer.allocate(8 + 4 + data.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    frame.putLong(data.length);
    frame.putInt(maskedCrc32c(frame.array(), 0, 8));
    frame.put(data);
    frame.putInt(maskedCrc32c(data, 0, data.length));
    out.write(frame.array());
  }

  /** The CRC-32C of {@code bytes[offset, offset + length)}, masked as TFRecord stores it. */
  public static int maskedCrc32c(byte[] bytes, int offset, int length) {
    CRC32C crc = new CRC32C();
    crc.update(bytes, offset, length);
    int c = (int) crc.getValue();
    // rotated so that a CRC of data that itself holds CRCs is not trivially related to them
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }
}
