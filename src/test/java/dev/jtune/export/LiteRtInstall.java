package dev.jtune.export;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Test setup: installs tools/litert (npm ci, no install scripts) when it is not there yet. */
final class LiteRtInstall {
  private LiteRtInstall() {}

  static synchronized LiteRtRuntime require() throws Exception {
    Path dir = LiteRtRuntime.defaultDir();
    if (!Files.isDirectory(dir.resolve("node_modules/@litertjs/core"))) {
      Process p = new ProcessBuilder("npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund")
          .directory(dir.toFile()).inheritIO().start();
      if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException("npm ci in " + dir + " failed");
    }
    return LiteRtRuntime.find(dir).orElseThrow(() -> new IllegalStateException("LiteRT.js runtime not usable in " + dir + " (is node on the PATH?)"));
  }
}
