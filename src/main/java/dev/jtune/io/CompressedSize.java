package dev.jtune.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

/** The size of files as stored and as gzip (default level) compresses them, without writing the compressed bytes anywhere. */
public final class CompressedSize {
  private CompressedSize() {}

  /** {raw bytes, gzip bytes} of every regular file under {@code dir}, each compressed on its own. */
  public static long[] ofFolder(Path dir) {
    try (Stream<Path> files = Files.walk(dir)) {
      long raw = 0, gz = 0;
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        long[] s = ofFile(f);
        raw += s[0];
        gz += s[1];
      }
      return new long[] {raw, gz};
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir, e);
    }
  }

  /** {raw bytes, gzip bytes} of one file. */
  public static long[] ofFile(Path file) throws IOException {
    Counting counter = new Counting();
    try (InputStream in = Files.newInputStream(file); GZIPOutputStream gz = new GZIPOutputStream(counter, 1 << 16)) {
      in.transferTo(gz);
    }
    return new long[] {Files.size(file), counter.count};
  }

  private static final class Counting extends OutputStream {
    long count;

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
