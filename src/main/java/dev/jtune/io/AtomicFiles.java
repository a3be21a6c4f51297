package dev.jtune.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes files so that readers never see a partial one: the content goes to a temporary sibling
 * ({@link TempSiblings}, so one left by a killed process is recognised and cleaned), which is then
 * renamed over the target in one atomic step. For files inside an output jtune owns (a run folder's
 * checkpoints and reports); a file at a path the user chose goes through {@link OutputFile}.
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
    Path tmp = newTemp(target);
    try {
      writer.write(tmp);
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp); // the rename already happened, or the write failed
    }
  }

  /** Creates an empty temporary sibling of {@code target} (its folder is created if missing). */
  static Path newTemp(Path target) throws IOException {
    Files.createDirectories(target.toAbsolutePath().getParent());
    // created with the default permissions of a new file (not 0600 as createTempFile would)
    return Files.createFile(TempSiblings.tmpFor(target));
  }

  public static void writeString(Path target, String content) {
    write(target, tmp -> Files.writeString(tmp, content, StandardCharsets.UTF_8));
  }

  public static void writeBytes(Path target, byte[] content) {
    write(target, tmp -> Files.write(tmp, content));
  }
}
