package dev.jtune.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Writes a folder all at once: the content goes to a hidden temporary sibling
 * ({@link TempSiblings}), which is renamed into place only when complete, so a failure or a kill
 * never leaves partial output. When a folder is there already, it is moved aside first; after the
 * new folder is in place, the entries its manifest does not record (the user's) move into the new
 * folder, and only then are the recorded files deleted. Which folders may be replaced at all is
 * decided by {@link OutputFolder}.
 */
public final class AtomicFolder {
  /** Fills the temporary folder. */
  @FunctionalInterface
  public interface Content {
    void writeTo(Path dir) throws IOException;
  }

  private AtomicFolder() {}

  /** Creates an empty temporary sibling folder of {@code target}. */
  static Path newTemp(Path target) throws IOException {
    Files.createDirectories(target.toAbsolutePath().normalize().getParent());
    return Files.createDirectory(TempSiblings.tmpFor(target));
  }

  /**
   * Puts the complete folder {@code tmp} in place of {@code target}. An existing target is moved
   * aside, then {@link #finishReplacement} carries the user's entries over and deletes the rest.
   */
  static void swap(Path tmp, Path target) throws IOException {
    Path abs = target.toAbsolutePath().normalize();
    Path old = null;
    if (Files.exists(abs, LinkOption.NOFOLLOW_LINKS)) {
      old = TempSiblings.oldFor(abs);
      move(abs, old);
    }
    try {
      move(tmp, abs);
    } catch (IOException | RuntimeException e) {
      if (old != null) move(old, abs);
      throw e;
    }
    if (old != null) finishReplacement(old, abs);
  }

  /**
   * Ends the replacement of {@code target} whose previous folder was moved to {@code old}. When
   * {@code target} is not there (the new folder never arrived), {@code old} goes back into place.
   * Otherwise every entry of {@code old} that its manifest does not record moves to the same path
   * in {@code target}, then the recorded files and folders are deleted. An entry that cannot move
   * (its path is taken) stays, and so does {@code old}, with a warning: nothing unrecorded is
   * deleted.
   */
  static void finishReplacement(Path old, Path target) throws IOException {
    if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      move(old, target);
      return;
    }
    Optional<Manifest> manifest = Manifest.read(Manifest.fileIn(old));
    Manifest record = manifest.orElse(new Manifest("none", null, true, List.of(), List.of()));
    for (String rel : record.extras(old)) {
      Path from = old.resolve(rel);
      Path to = target.resolve(rel);
      if (Files.exists(to, LinkOption.NOFOLLOW_LINKS) || blockedParent(target, rel)) continue;
      Files.createDirectories(to.getParent());
      Files.move(from, to);
    }
    for (String rel : record.paths()) Files.deleteIfExists(old.resolve(rel));
    Files.deleteIfExists(Manifest.fileIn(old));
    List<String> dirs = new ArrayList<>(record.dirs());
    dirs.sort(Comparator.reverseOrder()); // children before parents
    for (String d : dirs) deleteIfEmpty(old.resolve(d));
    if (!deleteIfEmpty(old)) {
      System.err.println("warning: kept " + old + ": it holds entries that could not move into " + target
          + " because their names are taken there; move them yourself");
    }
  }

  /** True when a parent of {@code rel} inside {@code dir} exists but is not a folder. */
  private static boolean blockedParent(Path dir, String rel) {
    Path p = dir.resolve(rel).getParent();
    while (p != null && p.startsWith(dir) && !p.equals(dir)) {
      if (Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) return true;
      p = p.getParent();
    }
    return false;
  }

  /**
   * Replaces the folder {@code dir} that jtune owns entirely (a run's {@code model/}): the content
   * is written to a temporary sibling, the old folder deleted and the new one renamed into place.
   * Callers check beforehand that {@code dir} holds nothing but jtune's files.
   */
  public static void replaceOwned(Path dir, Content content) throws IOException {
    Path tmp = newTemp(dir);
    try {
      content.writeTo(tmp);
      deleteTree(dir.toAbsolutePath().normalize());
      move(tmp, dir.toAbsolutePath().normalize());
      tmp = null;
    } finally {
      if (tmp != null) deleteTree(tmp);
    }
  }

  private static boolean deleteIfEmpty(Path dir) throws IOException {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return true;
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      if (s.iterator().hasNext()) return false;
    }
    Files.delete(dir);
    return true;
  }

  static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /** Deletes {@code dir} and everything below it (links are deleted, not followed). */
  public static void deleteTree(Path dir) {
    if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + dir, e);
    }
  }
}
