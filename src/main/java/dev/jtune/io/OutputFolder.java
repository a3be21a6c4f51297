package dev.jtune.io;

import dev.jtune.JtuneException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A folder a command is about to write as a whole ({@code prepare --out}, {@code import --out}),
 * checked before any work starts. The folder may be written when it is absent or empty, or when
 * it holds an output of the same kind that jtune wrote and that is still exactly what its manifest
 * records. With {@code force}, an output of the same kind that jtune wrote is replaced even when
 * the user changed or added things in it; the user's added entries move into the new folder. A
 * folder jtune did not write, or one of another kind, is refused even with {@code force}, and so is
 * every path {@link ProtectedPaths} protects.
 *
 * <p>{@link #write} builds the new folder in a temporary sibling, records it in its manifest and
 * renames it into place ({@link AtomicFolder}).
 */
public final class OutputFolder {
  private final Path target;
  private final ArtifactKind kind;
  private final ProtectedPaths protectedPaths;
  private final boolean force;
  private final String option;

  private OutputFolder(Path target, ArtifactKind kind, ProtectedPaths protectedPaths, boolean force, String option) {
    this.target = target;
    this.kind = kind;
    this.protectedPaths = protectedPaths;
    this.force = force;
    this.option = option;
  }

  /**
   * Checks that {@code target} (the value of {@code option}) may be written as {@code kind}, after
   * removing temporary siblings left there by killed runs; a {@link JtuneException} in one line
   * says why not and what to do.
   */
  public static OutputFolder claim(Path target, ArtifactKind kind, ProtectedPaths protectedPaths, boolean force, String option) {
    OutputFolder out = new OutputFolder(target, kind, protectedPaths, force, option);
    out.check();
    return out;
  }

  public Path path() {
    return target;
  }

  /**
   * Writes the folder: {@code content} fills a temporary sibling, its manifest is recorded, and it
   * replaces the target in one rename. The target is checked again first (it may have changed since
   * {@link #claim}); a failure leaves the target as it was.
   */
  public Manifest write(AtomicFolder.Content content) {
    check();
    Path abs = protectedPaths.absolute(target).normalize();
    Path tmp = null;
    try {
      tmp = AtomicFolder.newTemp(abs);
      content.writeTo(tmp);
      Manifest manifest = Manifest.scan(kind, tmp);
      manifest.write(Manifest.fileIn(tmp));
      refuseCollisions(abs, tmp);
      AtomicFolder.swap(tmp, abs);
      tmp = null;
      return manifest;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + e.getMessage(), e);
    } finally {
      if (tmp != null) AtomicFolder.deleteTree(tmp);
    }
  }

  /** The user's entries in the folder being replaced must not have the name of a new jtune file. */
  private void refuseCollisions(Path abs, Path tmp) {
    Optional<Manifest> old = Manifest.read(Manifest.fileIn(abs));
    if (old.isEmpty()) return; // absent or empty
    for (String rel : old.get().extras(abs)) {
      Path dest = tmp.resolve(rel);
      boolean taken = Files.exists(dest, LinkOption.NOFOLLOW_LINKS);
      for (Path p = dest.getParent(); !taken && p != null && p.startsWith(tmp) && !p.equals(tmp); p = p.getParent()) {
        taken = Files.exists(p, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
      }
      if (taken) {
        throw new JtuneException(abs.resolve(rel) + ": your entry has the name of a file jtune writes into "
            + kind.description() + "; move it out of " + target + " and run again");
      }
    }
  }

  private void check() {
    protectedPaths.check(target, option);
    Path abs = protectedPaths.absolute(target).normalize();
    if (abs.getParent() != null) TempSiblings.removeStale(abs.getParent());
    if (Files.isSymbolicLink(abs)) {
      throw new JtuneException(target + ": is a symbolic link; give the folder itself as " + option);
    }
    if (!Files.exists(abs)) return;
    if (!Files.isDirectory(abs)) {
      throw new JtuneException(target + ": exists and is not a folder; choose another " + option);
    }
    if (isEmpty(abs)) return;
    Manifest manifest = Manifest.read(Manifest.fileIn(abs)).orElseThrow(() -> notJtunes(target, option));
    if (manifest.artifactKind() != kind) {
      throw new JtuneException(target + ": holds " + describe(manifest) + " written by jtune, not " + kind.description()
          + "; choose another " + option);
    }
    Optional<String> difference = manifest.difference(abs, false);
    if (difference.isPresent() && !force) {
      throw new JtuneException(target + ": holds " + kind.description() + " written by jtune that has changed since ("
          + difference.get() + "); pass --force to replace it (entries you added are kept) or choose another " + option);
    }
  }

  static JtuneException notJtunes(Path target, String option) {
    return new JtuneException(target + ": folder exists and was not written by jtune (no " + Manifest.FILE_NAME
        + "); choose another " + option + " or empty it yourself");
  }

  static String describe(Manifest m) {
    ArtifactKind k = m.artifactKind();
    return k != null ? k.description() : "'" + m.kind() + "'";
  }

  static boolean isEmpty(Path dir) {
    try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
      return !s.iterator().hasNext();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir + ": " + e.getMessage(), e);
    }
  }
}
