package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jtune.model.BertEncoder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

class BatchFeederTest {
  @TempDir Path dir;

  private static int[] ints(Result r, int i) {
    TInt32 t = (TInt32) r.get(i);
    int[] out = new int[(int) t.size()];
    t.asRawTensor().data().asInts().read(out);
    return out;
  }

  @Test
  void tokenRowsArePaddedToTheBatchsLongestInTheRowsOrder() {
    List<int[]> tokenIds = List.of(new int[] {1, 5, 2}, new int[] {1, 2}, new int[] {1, 7, 8, 9, 2});
    try (Graph g = new Graph()) {
      BertEncoder encoder = BertEncoder.build(g, TinyEncoder.CONFIG, BertEncoder.Options.inference());
      Ops tf = Ops.create(g);
      Operand<TInt32> ids = tf.identity(encoder.inputWordIds()), mask = tf.identity(encoder.inputMask());
      Operand<TInt32> types = tf.identity(encoder.inputTypeIds());
      try (Session s = new Session(g); Feeds feeds = new Feeds(s.runner())) {
        BatchFeeder.tokens(encoder, tokenIds).feed(feeds, new int[] {2, 0});
        try (Result r = feeds.runner().fetch(ids).fetch(mask).fetch(types).run()) {
          assertArrayEquals(new int[] {1, 7, 8, 9, 2, 1, 5, 2, 0, 0}, ints(r, 0));
          assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, ints(r, 1));
          assertArrayEquals(new int[10], ints(r, 2));
        }
      }
    }
  }

  @Test
  void cachedFeaturesAreTheRowsOfTheCache() throws Exception {
    FeatureCache cache = TrainingGraphTest.features(dir.resolve("f.f32"), new float[] {0.5f, 1f, -2f, 3f, 4.25f, -6f}, 3);
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Placeholder<TFloat32> features = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(-1, 2)));
      Operand<TFloat32> fetched = tf.identity(features);
      try (Session s = new Session(g); Feeds feeds = new Feeds(s.runner())) {
        BatchFeeder.features(features, cache).feed(feeds, new int[] {2, 0});
        try (Result r = feeds.runner().fetch(fetched).run()) {
          float[] out = new float[4];
          ((TFloat32) r.get(0)).asRawTensor().data().asFloats().read(out);
          assertArrayEquals(new float[] {4.25f, -6f, 0.5f, 1f}, out);
        }
      }
    }
  }
}
