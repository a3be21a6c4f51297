package dev.jtune.data;

import dev.jtune.JtuneException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Writes a folder all at once: the content goes to a hidden temporary folder next to the target,
 * which is renamed into place only when complete, so a failure never leaves partial output. A
 * previous folder of the same kind (recognised by its marker file) is replaced; any other existing
 * non-empty folder is refused ({@link #replace} replaces unconditionally).
 */
public final class AtomicFolder {
  /** Fills the temporary folder. */
  @FunctionalInterface
  public interface Content {
    void writeTo(Path dir) throws IOException;
  }

  private AtomicFolder() {}

  public static void write(Path target, String markerFile, Content content) {
    Path abs = target.toAbsolutePath().normalize();
    if (Files.exists(abs) && !replaceable(abs, markerFile)) {
      throw new JtuneException(
          target + ": folder exists and is not a previous output (no " + markerFile + "); choose another --out or remove it");
    }
    try {
      replace(target, content);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target, e);
    }
  }

  /**
   * Writes {@code target} all at once, whatever is there now: an existing folder is moved aside
   * when the new one is complete and deleted after the new one is in place.
   */
  public static void replace(Path target, Content content) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, "." + abs.getFileName() + ".tmp-");
    try {
      readableByAll(tmp);
      content.writeTo(tmp);
      Path old = null;
      if (Files.exists(abs)) {
        old = Files.createTempDirectory(parent, "." + abs.getFileName() + ".old-");
        Files.delete(old);
        move(abs, old);
      }
      move(tmp, abs);
      tmp = null;
      if (old != null) deleteTree(old);
    } finally {
      if (tmp != null) deleteTree(tmp);
    }
  }

  /** Temporary folders are created private; the output is an ordinary folder. */
  private static void readableByAll(Path dir) throws IOException {
    if (dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  private static boolean replaceable(Path dir, String markerFile) {
    if (!Files.isDirectory(dir)) return false;
    if (Files.exists(dir.resolve(markerFile))) return true;
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      return false;
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException | FileAlreadyExistsException e) {
      if (Files.isDirectory(to)) Files.delete(to); // an empty target folder
      Files.move(from, to);
    }
  }

  static void deleteTree(Path dir) {
    if (!Files.exists(dir)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
