package dev.jtune.eval;

import com.google.protobuf.ByteString;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.SessionLog;
import org.tensorflow.proto.Summary;

/**
 * One TensorBoard event file, {@code events.out.tfevents.<unix seconds>.<host>}, written with
 * TensorFlow's own {@link Event} and {@link Summary} protos in {@link TfRecordWriter} framing: the
 * first record names the format ({@code brain.Event:2}), then scalars and images by tag and step.
 * Records are buffered and reach the disk at {@link #flush} (and {@link #close}); a crash leaves a
 * readable prefix. The file is always new: an existing file of that name is never opened, the
 * next free suffix is taken instead.
 */
public final class TensorBoardLog implements Closeable {
  public static final String FILE_PREFIX = "events.out.tfevents.";
  static final String FILE_VERSION = "brain.Event:2";

  private final Path file;
  private final OutputStream stream;
  private final TfRecordWriter records;

  private TensorBoardLog(Path file, OutputStream stream) {
    this.file = file;
    this.stream = stream;
    this.records = new TfRecordWriter(stream);
  }

  /** Creates a new event file in {@code dir} (created if missing) and writes its first record. */
  public static TensorBoardLog create(Path dir) {
    try {
      Files.createDirectories(dir);
      String base = FILE_PREFIX + (System.currentTimeMillis() / 1000) + "." + hostName();
      for (int n = 0; ; n++) {
        Path f = dir.resolve(n == 0 ? base : base + "." + n);
        OutputStream s;
        try {
          s = Files.newOutputStream(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileAlreadyExistsException e) {
          continue; // e.g. a resumed run started within the same second: never append to another file
        }
        TensorBoardLog log = new TensorBoardLog(f, new BufferedOutputStream(s, 1 << 16));
        log.write(Event.newBuilder().setWallTime(now()).setFileVersion(FILE_VERSION).build());
        log.flush();
        return log;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a TensorBoard event file in " + dir + ": " + e.getMessage(), e);
    }
  }

  public Path file() {
    return file;
  }

  /** A scalar (stored as float32, as TensorBoard's scalar dashboard reads it). */
  public void scalar(String tag, long step, double value) {
    summary(step, Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value).build());
  }

  /** A PNG image (e.g. a chart from {@link ChartWriter}). */
  public void pngImage(String tag, long step, byte[] png) {
    PngHeader h = PngHeader.of(png);
    Summary.Image image = Summary.Image.newBuilder().setEncodedImageString(ByteString.copyFrom(png))
        .setWidth(h.width()).setHeight(h.height()).setColorspace(h.colorspace()).build();
    summary(step, Summary.Value.newBuilder().setTag(tag).setImage(image).build());
  }

  /**
   * Marks a (re)start of the run at {@code step}: TensorBoard then drops what earlier files of this
   * folder logged at that step or later (what a killed process wrote after its last checkpoint).
   */
  public void sessionStart(long step) {
    write(Event.newBuilder().setWallTime(now()).setStep(step)
        .setSessionLog(SessionLog.newBuilder().setStatus(SessionLog.SessionStatus.START)).build());
  }

  /** Makes everything logged so far visible to a running TensorBoard. */
  public void flush() {
    try {
      stream.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public void close() {
    try {
      stream.close();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private void summary(long step, Summary.Value value) {
    write(Event.newBuilder().setWallTime(now()).setStep(step).setSummary(Summary.newBuilder().addValue(value)).build());
  }

  private void write(Event event) {
    try {
      records.write(event.toByteArray());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  /** The host name as TensorFlow puts it in event file names, reduced to characters safe in a file name. */
  static String hostName() {
    String name;
    try {
      name = InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      name = "localhost";
    }
    name = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return name.isEmpty() ? "localhost" : name;
  }

  /** Width, height and colour space of a PNG, from its IHDR chunk. */
  record PngHeader(int width, int height, int colorspace) {
    private static final byte[] SIGNATURE = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

    static PngHeader of(byte[] png) {
      if (png.length < 26 || !java.util.Arrays.equals(png, 0, 8, SIGNATURE, 0, 8)) {
        throw new IllegalArgumentException("not a PNG image");
      }
      java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(png); // big-endian, as PNG stores it
      // PNG colour type -> TensorBoard's colorspace: 1 grey, 2 grey+alpha, 3 RGB, 4 RGBA
      int colorspace = switch (png[25]) {
        case 0 -> 1;
        case 4 -> 2;
        case 6 -> 4;
        default -> 3; // RGB, or palette (decoded to RGB)
      };
      return new PngHeader(b.getInt(16), b.getInt(20), colorspace);
    }
  }
}
