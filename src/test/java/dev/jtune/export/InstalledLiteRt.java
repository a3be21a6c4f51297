package dev.jtune.export;

/**
 * The LiteRT.js check runtime for the tests that run .tflite files (tagged {@code litert}): the
 * one {@code make litert} (or {@code make test}) installed, never installed here, so that no test
 * reaches a package registry.
 */
final class InstalledLiteRt {
  private InstalledLiteRt() {}

  /** The installed runtime; fails naming {@code make litert} when it is absent or node is missing. */
  static LiteRtRuntime require() {
    return LiteRtRuntime.find(LiteRtRuntime.defaultDir())
        .orElseThrow(() -> new IllegalStateException("LiteRT.js is not installed in " + LiteRtRuntime.defaultDir().toAbsolutePath()
            + " (or node is not on the PATH): run `make litert` first, or leave these tests out with -DexcludedGroups=real"));
  }
}
