package dev.jtune.export;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.GraphDef;

/** The clean inference graph's native resources on a failure path. */
class InferenceModelTest {
  @TempDir Path tmp;

  @Test
  void aRestoreThatFailsClosesTheSessionBeforeTheGraph() {
    GraphDef withVariable;
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      tf.withName("v").variable(tf.constant(new float[] {1f, 2f}));
      withVariable = g.toGraphDef();
    }
    Path noCheckpoint = tmp.resolve("no-checkpoint");
    // a graph waits for its sessions: closing it while the session is open would never return
    assertTimeoutPreemptively(Duration.ofSeconds(30),
        () -> assertThrows(RuntimeException.class, () -> InferenceModel.restored(withVariable, noCheckpoint, 2)));
  }
}
