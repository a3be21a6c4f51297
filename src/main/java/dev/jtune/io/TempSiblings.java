package dev.jtune.io;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The hidden temporary entries jtune makes next to an output: {@code .<name>.jtune-tmp-<pid>-<random>}
 * while new content is written, {@code .<name>.jtune-old-<pid>-<random>} for a previous folder moved
 * aside while it is replaced. The process id makes them recognisable after a {@code kill -9}: the
 * next writing command removes those whose process no longer runs ({@link #removeStale}). Nothing
 * else is ever removed by this clean-up, and a user's entries are never inside a {@code tmp} one.
 */
public final class TempSiblings {
  private static final Pattern NAME = Pattern.compile("\\.(.+)\\.jtune-(tmp|old)-(\\d{1,19})-([0-9a-z]{8})");
  private static final SecureRandom RANDOM = new SecureRandom();

  private TempSiblings() {}

  /** A fresh name for new content of {@code target} (not created). */
  public static Path tmpFor(Path target) {
    return name(target, "tmp");
  }

  /** A fresh name for the previous {@code target} folder while it is replaced (not created). */
  static Path oldFor(Path target) {
    return name(target, "old");
  }

  private static Path name(Path target, String role) {
    Path abs = target.toAbsolutePath().normalize();
    String random = Long.toString(RANDOM.nextLong() >>> 1, 36);
    random = ("00000000" + random).substring(random.length());
    return abs.resolveSibling("." + abs.getFileName() + ".jtune-" + role + "-" + ProcessHandle.current().pid() + "-" + random);
  }

  /** A parsed temporary name: the target's name, tmp or old, and the writing process. */
  record Parsed(String target, boolean old, long pid) {}

  static Optional<Parsed> parse(String fileName) {
    Matcher m = NAME.matcher(fileName);
    if (!m.matches()) return Optional.empty();
    try {
      return Optional.of(new Parsed(m.group(1), m.group(2).equals("old"), Long.parseLong(m.group(3))));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** True for a name of this form, whatever its process. */
  public static boolean isTemp(String fileName) {
    return NAME.matcher(fileName).matches();
  }

  /**
   * Removes the temporary entries in {@code dir} (not below) left by processes that no longer run:
   * a {@code tmp} one is deleted; an {@code old} one finishes its replacement (your entries in it
   * move into the new folder, or the folder goes back into place when the new one never arrived).
   */
  public static void removeStale(Path dir) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
    List<Path> stale = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        parse(p.getFileName().toString()).filter(t -> !alive(t.pid())).ifPresent(t -> stale.add(p));
      }
    } catch (IOException e) {
      return; // an unreadable folder: nothing of ours to clean there
    }
    // new content first, so that an old folder whose replacement never arrived can go back into place
    stale.sort((a, b) -> Boolean.compare(parse(a.getFileName().toString()).orElseThrow().old(),
        parse(b.getFileName().toString()).orElseThrow().old()));
    for (Path p : stale) {
      Parsed t = parse(p.getFileName().toString()).orElseThrow();
      try {
        if (t.old()) {
          AtomicFolder.finishReplacement(p, dir.resolve(t.target()));
        } else {
          AtomicFolder.deleteTree(p);
        }
      } catch (IOException | RuntimeException e) {
        System.err.println("warning: cannot remove the stale temporary " + p + ": " + e.getMessage());
      }
    }
  }

  /** {@link #removeStale} in {@code dir} and every folder below it (links are not followed). */
  public static void removeStaleTree(Path dir) {
    removeStale(dir);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) return;
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path p : entries) {
        if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) removeStaleTree(p);
      }
    } catch (IOException e) {
      // unreadable: nothing of ours below
    }
  }

  static boolean alive(long pid) {
    return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
  }
}
