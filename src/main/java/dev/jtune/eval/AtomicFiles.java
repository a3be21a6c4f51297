package dev.jtune.eval;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files so that readers never see a partial one: the content goes to a temporary file in
 * the same folder, which is then renamed over the target in one atomic step.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  /** Something that writes a complete file at the given (temporary) path. */
  @FunctionalInterface
  public interface FileWriter {
    void write(Path tmp) throws IOException;
  }

  public static void write(Path target, FileWriter writer) {
    Path dir = target.toAbsolutePath().getParent();
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, "." + target.getFileName(), ".tmp");
      writer.write(tmp);
      if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        // temp files start private (0600); the result is an ordinary readable file
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException ignored) {
          // the rename already happened or the write failed; nothing more to clean
        }
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
