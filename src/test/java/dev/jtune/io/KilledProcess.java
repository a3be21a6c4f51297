package dev.jtune.io;

import static org.junit.jupiter.api.Assertions.assertFalse;

/** The process id a {@code kill -9} leaves behind in the names of its temporaries: one that no longer runs. */
public final class KilledProcess {
  private KilledProcess() {}

  /** The id of a process that has ended. */
  public static long pid() throws Exception {
    Process p = new ProcessBuilder("true").start();
    p.waitFor();
    long pid = p.pid();
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    return pid;
  }
}
