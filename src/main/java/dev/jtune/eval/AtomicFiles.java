package dev.jtune.eval;

import java.nio.file.Path;

/**
 * The evaluation stage's name for {@link dev.jtune.data.AtomicFiles}, kept so existing callers
 * compile; new code uses the data/ class directly.
 */
public final class AtomicFiles {
  private AtomicFiles() {}

  public static void write(Path target, dev.jtune.data.AtomicFiles.FileWriter writer) {
    dev.jtune.data.AtomicFiles.write(target, writer);
  }

  public static void writeString(Path target, String content) {
    dev.jtune.data.AtomicFiles.writeString(target, content);
  }
}
