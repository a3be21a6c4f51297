package dev.jtune.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files so that readers never see a partial one: the content goes to a temporary file in
 * the same folder, which is then renamed over the target in one atomic step. Every stage writes
 * its single-file outputs through it.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Something that writes a complete file at the given (temporary) path. */
  @FunctionalInterface
  public interface FileWriter {
    void write(Path tmp) throws IOException;
  }

  /** Writes {@code target} atomically; a failure is an {@link UncheckedIOException} naming it. */
  public static void write(Path target, FileWriter writer) {
    try {
      replace(target, writer);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code target} atomically, for callers that report the {@link IOException} themselves. */
  public static void replace(Path target, FileWriter writer) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
    try {
      writer.write(tmp);
      if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        // temp files start private (0600); the result is an ordinary readable file
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      try {
        Files.deleteIfExists(tmp);
      } catch (IOException ignored) {
        // the rename already happened or the write failed; nothing more to clean
      }
    }
  }

  public static void writeString(Path target, String content) {
    write(target, tmp -> Files.writeString(tmp, content, StandardCharsets.UTF_8));
  }

  public static void writeBytes(Path target, byte[] content) {
    write(target, tmp -> Files.write(tmp, content));
  }
}
