package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class AdamWTest {
  private static final float LR = 0.1f, WD = 0.5f, B1 = 0.9f, B2 = 0.999f, EPS = 1e-8f;

  /** loss = sum(w * x) + sum(b * x): the gradient of each variable is the fed x. */
  private record Setup(Graph g, Variable<TFloat32> w, Variable<TFloat32> b, Placeholder<TFloat32> x, AdamW opt) {}

  private static Setup build(Graph g, double maxNorm, int accumulation) {
    return build(g, maxNorm, accumulation, EPS);
  }

  private static Setup build(Graph g, double maxNorm, int accumulation, float eps) {
    Ops tf = Ops.create(g);
    Variable<TFloat32> w = tf.withSubScope("dense").withName("kernel").variable(tf.constant(new float[] {1f, -2f}));
    Variable<TFloat32> b = tf.withSubScope("head").withName("bias").variable(tf.constant(new float[] {0.5f, 0.5f}));
    Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(2)));
    var loss = tf.math.add(tf.reduceSum(tf.math.mul(w, x), tf.constant(0)), tf.reduceSum(tf.math.mul(b, x), tf.constant(0)));
    AdamW opt = new AdamW(g, tf, loss,
        List.of(new ParameterGroup("all", List.of(w, b), new ConstantSchedule(LR, 0), ParameterGroup.WeightDecay.exceptBiasesAndLayerNorm(WD))),
        new AdamW.Settings(B1, B2, eps, maxNorm, accumulation));
    return new Setup(g, w, b, x, opt);
  }

  private static float[] read(Session s, Variable<TFloat32> v) {
    try (Result r = s.runner().fetch(v).run()) {
      TFloat32 t = (TFloat32) r.get(0);
      float[] out = new float[(int) t.size()];
      t.asRawTensor().data().asFloats().read(out);
      return out;
    }
  }

  private static void run(Session s, Setup st, org.tensorflow.op.Op target, float[] x) {
    try (Feeds feeds = new Feeds(s.runner())) {
      feeds.feed(st.x(), TFloat32.vectorOf(x));
      st.opt().feedLearningRates(feeds, 0);
      feeds.runner().addTarget(target).run().close();
    }
  }

  /** Adam's first step from zero moments, then decoupled decay of the updated weight. */
  private static float firstStep(float w, float g, boolean decay) {
    return firstStep(w, g, decay, EPS);
  }

  private static float firstStep(float w, float g, boolean decay, float eps) {
    double m = (1 - B1) * g, v = (1 - B2) * g * g;
    double lrT = LR * Math.sqrt(1 - B2) / (1 - B1);
    double updated = w - lrT * m / (Math.sqrt(v) + eps);
    return (float) (decay ? updated - LR * WD * updated : updated);
  }

  @Test
  void firstStepMatchesAdamWFormulaAndSkipsDecayOnBias() {
    try (Graph g = new Graph()) {
      Setup st = build(g, 0, 1);
      try (Session s = new Session(g)) {
        s.initialize();
        float[] x = {0.3f, -0.04f};
        run(s, st, st.opt().apply(), x);
        assertArrayEquals(new float[] {firstStep(1f, x[0], true), firstStep(-2f, x[1], true)}, read(s, st.w()), 1e-6f);
        assertArrayEquals(new float[] {firstStep(0.5f, x[0], false), firstStep(0.5f, x[1], false)}, read(s, st.b()), 1e-6f);
      }
    }
  }

  @Test
  void gradNormIsGlobalOverAllVariables() {
    try (Graph g = new Graph()) {
      Setup st = build(g, 1.0, 1);
      try (Session s = new Session(g);
          TFloat32 xt = TFloat32.vectorOf(3f, 4f)) {
        s.initialize();
        try (Result r = s.runner().feed(st.x(), xt).fetch(st.opt().gradNorm()).run()) {
          // w and b both get gradient (3, 4): sqrt(2 * 25)
          assertEquals(Math.sqrt(50), ((TFloat32) r.get(0)).getFloat(), 1e-5);
        }
      }
    }
  }

  @Test
  void accumulatingTwoMicroBatchesEqualsOneStepOnTheirMean() {
    float[] x1 = {0.2f, -0.6f}, x2 = {0.4f, 0.1f}, mean = {0.3f, -0.25f};
    float[] accumulated, direct;
    try (Graph g = new Graph()) {
      Setup st = build(g, 0, 2);
      try (Session s = new Session(g)) {
        s.initialize();
        run(s, st, st.opt().accumulate(), x1);
        run(s, st, st.opt().accumulate(), x2);
        run(s, st, st.opt().apply(), x2); // x is not used by apply with accumulation
        accumulated = read(s, st.w());
        // accumulators are cleared: a second round with the same data moves the same way
      }
    }
    try (Graph g = new Graph()) {
      Setup st = build(g, 0, 1);
      try (Session s = new Session(g)) {
        s.initialize();
        run(s, st, st.opt().apply(), mean);
        direct = read(s, st.w());
      }
    }
    assertArrayEquals(direct, accumulated, 1e-6f);
  }

  @Test
  void clippingScalesTheGradientToTheMaximumNorm() {
    // a large epsilon makes Adam's step depend on the gradient's size, so clipping shows in the result
    float eps = 1f;
    try (Graph g = new Graph()) {
      Setup st = build(g, 0.5, 1, eps);
      try (Session s = new Session(g)) {
        s.initialize();
        run(s, st, st.opt().apply(), new float[] {3f, 4f});
        float clipped = (float) (3 * 0.5 / Math.sqrt(50));
        assertEquals(firstStep(1f, clipped, true, eps), read(s, st.w())[0], 1e-6f);
        assertNotEquals(firstStep(1f, 3f, true, eps), read(s, st.w())[0], 1e-3f);
      }
    }
  }
}
