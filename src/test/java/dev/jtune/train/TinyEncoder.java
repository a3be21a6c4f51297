package dev.jtune.train;

import dev.jtune.model.BertConfig;
import dev.jtune.model.BertEncoder;
import dev.jtune.model.EncoderWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.tensorflow.Graph;
import org.tensorflow.Session;

/** A tiny random encoder (2 layers, hidden 32) and a learnable toy task for trainer tests. */
final class TinyEncoder {
  static final BertConfig CONFIG = BertConfig.tiny(BertConfig.Pooler.MEAN);
  static final int MARKER = 7;

  private TinyEncoder() {}

  /** Random "pretrained" weights, fixed by the seed. */
  static EncoderWeights weights(long seed) {
    try (Graph g = new Graph()) {
      BertEncoder e = BertEncoder.build(g, CONFIG, new BertEncoder.Options(false, seed));
      try (Session s = new Session(g)) {
        s.initialize();
        return e.readWeights(s);
      }
    }
  }

  /** Label 1 iff the marker token occurs: [CLS]=1, random tokens 8..99, [SEP]=2. */
  static EncodedSplit toyTask(int n, long seed) {
    Random r = new Random(seed);
    List<int[]> ids = new ArrayList<>();
    int[] labels = new int[n];
    for (int i = 0; i < n; i++) {
      int len = 6 + r.nextInt(14);
      int[] t = new int[len];
      t[0] = 1;
      t[len - 1] = 2;
      for (int j = 1; j < len - 1; j++) t[j] = 8 + r.nextInt(92);
      labels[i] = r.nextInt(2);
      if (labels[i] == 1) {
        for (int k = 0; k < 1 + len / 4; k++) t[1 + r.nextInt(len - 2)] = MARKER;
      }
      ids.add(t);
    }
    return new EncodedSplit(ids, labels);
  }
}
