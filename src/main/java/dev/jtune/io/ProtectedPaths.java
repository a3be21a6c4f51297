package dev.jtune.io;

import dev.jtune.JtuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The places a command never writes to, whatever its options (even {@code --force}): the current
 * folder and its parents ({@code .}, {@code ..}), the file system root, the user's home folder and
 * its parents, every input of the command, any folder that holds an input, and anything inside an
 * input folder. Paths are compared as real paths (symbolic links resolved; for a path that does not
 * exist yet, its nearest existing parent is resolved).
 *
 * @param cwd the folder relative paths are resolved against (the JVM's working folder in the CLI)
 * @param home the user's home folder
 * @param inputs the command's input files and folders (nulls are skipped)
 */
public record ProtectedPaths(Path cwd, Path home, List<Path> inputs) {
  public ProtectedPaths {
    Objects.requireNonNull(cwd, "cwd");
    cwd = real(cwd.toAbsolutePath());
    home = home == null ? null : real(home.toAbsolutePath());
    List<Path> resolved = new ArrayList<>();
    for (Path in : inputs == null ? List.<Path>of() : inputs) {
      if (in != null) resolved.add(in);
    }
    inputs = List.copyOf(resolved);
  }

  /** The rules for a command run here: working folder {@code user.dir}, home {@code user.home}. */
  public static ProtectedPaths of(Path... inputs) {
    return new ProtectedPaths(Path.of(System.getProperty("user.dir")), Path.of(System.getProperty("user.home")),
        Arrays.asList(inputs));
  }

  /** The same rules with more inputs. */
  public ProtectedPaths with(Path... more) {
    List<Path> all = new ArrayList<>(inputs);
    all.addAll(Arrays.asList(more));
    return new ProtectedPaths(cwd, home, all);
  }

  /** {@code p} as an absolute path resolved against {@link #cwd} (not normalised). */
  public Path absolute(Path p) {
    return cwd.resolve(p);
  }

  /** The real path of {@code p} (resolved against {@link #cwd}). */
  public Path realPath(Path p) {
    return real(absolute(p));
  }

  /**
   * Refuses {@code target} (the value of {@code option}) when a command must never write there; the
   * message names the target and says to choose another path, since {@code --force} does not apply.
   */
  public void check(Path target, String option) {
    Path t = realPath(target);
    String fix = "; choose another " + option + " (--force does not apply)";
    if (t.getParent() == null) throw new JtuneException(target + ": is the file system root" + fix);
    if (cwd.startsWith(t)) {
      throw new JtuneException(target + ": is the current folder" + (cwd.equals(t) ? "" : "'s parent " + t) + fix);
    }
    if (home != null && home.startsWith(t)) {
      throw new JtuneException(target + ": is your home folder" + (home.equals(t) ? "" : "'s parent " + t) + fix);
    }
    for (Path in : inputs) {
      Path r = realPath(in);
      if (r.equals(t)) throw new JtuneException(target + ": is the input " + in + fix);
      if (r.startsWith(t)) throw new JtuneException(target + ": holds the input " + in + fix);
      if (t.startsWith(r) && Files.isDirectory(r)) throw new JtuneException(target + ": is inside the input folder " + in + fix);
    }
  }

  /**
   * Refuses a scratch folder (the value of {@code option}) in which a command only makes and removes
   * its own temporary entries: it may not be an input, nor lie inside an input folder.
   */
  public void checkScratch(Path dir, String option) {
    Path t = realPath(dir);
    for (Path in : inputs) {
      Path r = realPath(in);
      if (r.equals(t)) throw new JtuneException(dir + ": is the input " + in + "; choose another " + option);
      if (t.startsWith(r) && Files.isDirectory(r)) throw new JtuneException(dir + ": is inside the input folder " + in + "; choose another " + option);
    }
    if (Files.exists(absolute(dir)) && !Files.isDirectory(absolute(dir))) {
      throw new JtuneException(dir + ": exists and is not a folder; choose another " + option);
    }
  }

  /**
   * The real path of an absolute path; for a path that does not exist, the real path of its
   * nearest existing parent with the remaining names appended ({@code ..} applied to the real path).
   */
  static Path real(Path abs) {
    try {
      return abs.toRealPath();
    } catch (IOException e) {
      Path parent = abs.getParent();
      if (parent == null) return abs.normalize();
      Path base = real(parent);
      String name = abs.getFileName().toString();
      if (name.equals("..")) return base.getParent() == null ? base : base.getParent();
      if (name.equals(".")) return base;
      return base.resolve(name);
    }
  }
}
