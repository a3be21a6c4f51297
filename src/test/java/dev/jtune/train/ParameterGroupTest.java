package dev.jtune.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

class ParameterGroupTest {
  @Test
  void aFineTuningRunHasTheHeadThenTheEncoderThenTheWidePartEachOnItsOwnPeak() {
    TrainingConfig c = TrainingConfig.resolve(null, Map.of("optimizer.learning_rate", 2e-3, "optimizer.encoder_learning_rate", 4e-5,
        "optimizer.wide_learning_rate", 3e-2, "optimizer.wide_weight_decay", 0.05,
        "schedule.kind", "cosine", "schedule.warmup_ratio", 0.1, "schedule.min_learning_rate_ratio", 0.5));
    List<ParameterGroup> groups = ParameterGroup.fineTuning(c, List.of(), List.of(), List.of(), 200);
    assertEquals(List.of("head", "encoder", "wide"), groups.stream().map(ParameterGroup::name).toList());
    assertEquals(new CosineSchedule(2e-3, 2e-3 * 0.5, 20, 200), groups.get(0).schedule());
    assertEquals(new CosineSchedule(4e-5, 4e-5 * 0.5, 20, 200), groups.get(1).schedule());
    assertEquals(new CosineSchedule(3e-2, 3e-2 * 0.5, 20, 200), groups.get(2).schedule());
    assertEquals(0.01, groups.get(0).weightDecay().rate());
    assertEquals(0.05, groups.get(2).weightDecay().rate());
    assertTrue(groups.get(2).weightDecay().appliesTo().test("classifier/wide"));
  }

  @Test
  void weightDecaySkipsBiasesAndLayerNorm() {
    var decay = ParameterGroup.WeightDecay.exceptBiasesAndLayerNorm(0.01);
    assertTrue(decay.appliesTo().test("bert/encoder/layer_1/attention/self/query/kernel"));
    assertTrue(decay.appliesTo().test("classifier/kernel"));
    assertFalse(decay.appliesTo().test("classifier/bias"));
    assertFalse(decay.appliesTo().test("bert/encoder/layer_1/output/LayerNorm/gamma"));
    assertFalse(ParameterGroup.WeightDecay.NONE.appliesTo().test("classifier/kernel"));
  }

  @Test
  void eachGroupIsFedItsOwnSchedulesRateAndAnEmptyGroupHasNoInput() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Variable<TFloat32> a = tf.withName("a").variable(tf.constant(new float[] {1f}));
      Variable<TFloat32> b = tf.withName("b").variable(tf.constant(new float[] {1f}));
      Placeholder<TFloat32> x = tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(1)));
      var loss = tf.reduceSum(tf.math.add(tf.math.mul(a, x), tf.math.mul(b, x)), tf.constant(0));
      ParameterGroup fast = new ParameterGroup("fast", List.of(a), new ConstantSchedule(0.1, 0), ParameterGroup.WeightDecay.NONE);
      ParameterGroup slow = new ParameterGroup("slow", List.of(b), new LinearDecaySchedule(0.01, 0, 0, 10), ParameterGroup.WeightDecay.NONE);
      ParameterGroup none = new ParameterGroup("none", List.of(), new ConstantSchedule(1, 0), ParameterGroup.WeightDecay.NONE);
      AdamW opt = new AdamW(g, tf, loss, List.of(fast, slow, none), new AdamW.Settings(0.9, 0.999, 1e-8, 0, 1));
      assertEquals(List.of(fast, slow), List.copyOf(opt.learningRates().keySet()));
      assertEquals("adamw/lr_slow", opt.learningRates().get(slow).op().name());
      var fastRate = tf.identity(opt.learningRates().get(fast)); // a fed input cannot be fetched itself
      var slowRate = tf.identity(opt.learningRates().get(slow));
      try (Session s = new Session(g); Feeds feeds = new Feeds(s.runner())) {
        opt.feedLearningRates(feeds, 4);
        try (Result r = feeds.runner().fetch(fastRate).fetch(slowRate).run()) {
          assertEquals(0.1f, ((TFloat32) r.get(0)).getFloat());
          assertEquals((float) (0.01 * 6 / 10), ((TFloat32) r.get(1)).getFloat(), "linear decay at step 4 of 10");
        }
      }
    }
  }
}
