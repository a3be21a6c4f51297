package dev.jtune.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.types.TFloat32;

/**
 * AdamW (Adam with decoupled weight decay) built into a graph over an explicit list of variables.
 * Variables left out get no gradient op at all, which is how freezing works: they stay bit-identical.
 *
 * <p>The variables come as {@link ParameterGroup}s: each group has its own learning-rate placeholder,
 * fed every step from the group's schedule ({@link #feedLearningRates}), and its own weight-decay
 * rule. Gradients are clipped by their global L2 norm before the update.
 * With gradient accumulation, {@link #accumulate()} adds a micro-batch's gradient into accumulator
 * variables and {@link #apply()} updates with their mean and clears them; without it, {@link #apply()}
 * uses the gradient of the batch fed in the same run.
 */
public final class AdamW {
  /** Hyper-parameters shared by every group. */
  public record Settings(double beta1, double beta2, double epsilon, double maxGradNorm, int accumulationSteps) {}

  private final Map<ParameterGroup, Placeholder<TFloat32>> learningRates = new LinkedHashMap<>();
  private final List<Variable<TFloat32>> slots = new ArrayList<>();
  private final List<Variable<TFloat32>> accumulators = new ArrayList<>();
  private final Op apply;
  private final Op accumulate;
  private final Operand<TFloat32> gradNorm;

  /** Builds the update of every group's variables against {@code loss}; groups without variables are left out. */
  public AdamW(Graph graph, Ops root, Operand<TFloat32> loss, List<ParameterGroup> groups, Settings s) {
    Ops tf = root.withSubScope("adamw");
    List<Variable<TFloat32>> vars = new ArrayList<>();
    List<Placeholder<TFloat32>> lrOfVar = new ArrayList<>();
    List<ParameterGroup.WeightDecay> decayOfVar = new ArrayList<>();
    for (ParameterGroup g : groups) {
      if (g.variables().isEmpty()) continue;
      Placeholder<TFloat32> lr = tf.withName("lr_" + g.name()).placeholder(TFloat32.class, Placeholder.shape(Shape.scalar()));
      learningRates.put(g, lr);
      for (Variable<TFloat32> v : g.variables()) {
        vars.add(v);
        lrOfVar.add(lr);
        decayOfVar.add(g.weightDecay());
      }
    }
    if (vars.isEmpty()) throw new IllegalArgumentException("no variable to train");
    Output<?>[] raw = graph.addGradients(loss.asOutput(), vars.stream().map(Variable::asOutput).toArray(Output<?>[]::new));

    List<Operand<TFloat32>> grads = new ArrayList<>();
    List<Op> accumulateOps = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      @SuppressWarnings("unchecked")
      Operand<TFloat32> g = (Operand<TFloat32>) raw[i];
      if (s.accumulationSteps() > 1) {
        Variable<TFloat32> acc = slot(tf, vars.get(i), "acc");
        accumulateOps.add(tf.assignAdd(acc, g));
        grads.add(tf.math.div(acc, tf.constant((float) s.accumulationSteps())));
      } else {
        grads.add(g);
      }
    }
    accumulate = accumulateOps.isEmpty() ? null : tf.withName("accumulate").withControlDependencies(accumulateOps).noOp();

    // global norm over every trained gradient; scale = min(1, max_norm / norm)
    List<Operand<TFloat32>> squares = new ArrayList<>();
    for (Operand<TFloat32> g : grads) squares.add(tf.reduceSum(tf.math.square(g), allAxes(tf, g)));
    gradNorm = tf.withName("grad_norm").math.sqrt(tf.math.addN(squares));
    Operand<TFloat32> scale = s.maxGradNorm() > 0
        ? tf.math.div(tf.constant((float) s.maxGradNorm()), tf.math.maximum(gradNorm, tf.constant((float) s.maxGradNorm())))
        : tf.constant(1f);

    float b1 = (float) s.beta1(), b2 = (float) s.beta2();
    Variable<TFloat32> b1Power = tf.withName("beta1_power").variable(tf.constant(b1));
    Variable<TFloat32> b2Power = tf.withName("beta2_power").variable(tf.constant(b2));
    slots.add(b1Power);
    slots.add(b2Power);
    List<Op> updates = new ArrayList<>();
    for (int i = 0; i < vars.size(); i++) {
      Variable<TFloat32> v = vars.get(i);
      Variable<TFloat32> m = slot(tf, v, "m");
      Variable<TFloat32> vv = slot(tf, v, "v");
      Operand<TFloat32> lr = lrOfVar.get(i);
      Op adam = tf.train.applyAdam(v, m, vv, b1Power, b2Power, lr, tf.constant(b1), tf.constant(b2),
          tf.constant((float) s.epsilon()), tf.math.mul(grads.get(i), scale));
      ParameterGroup.WeightDecay decay = decayOfVar.get(i);
      if (decay.decays(v)) {
        // decoupled decay: shrink the weight itself, outside the adaptive gradient step
        Ops after = tf.withControlDependencies(List.of(adam));
        adam = after.assignSub(v, after.math.mul(after.math.mul(lr, after.constant((float) decay.rate())), v));
      }
      updates.add(adam);
    }
    // the norm too: it reads the accumulators, which are cleared below, and is fetched to detect divergence
    List<Op> done = new ArrayList<>(updates);
    done.add(tf.identity(gradNorm));
    Ops afterUpdates = tf.withControlDependencies(done);
    List<Op> finish = new ArrayList<>();
    finish.add(afterUpdates.assign(b1Power, afterUpdates.math.mul(b1Power, afterUpdates.constant(b1))));
    finish.add(afterUpdates.assign(b2Power, afterUpdates.math.mul(b2Power, afterUpdates.constant(b2))));
    if (s.accumulationSteps() > 1) {
      for (Variable<TFloat32> acc : accumulators) finish.add(afterUpdates.assign(acc, afterUpdates.zerosLike(acc)));
    }
    apply = tf.withName("apply").withControlDependencies(finish).noOp();
  }

  private Variable<TFloat32> slot(Ops tf, Variable<TFloat32> v, String kind) {
    String name = v.op().name().replace('/', '.') + "." + kind;
    Variable<TFloat32> slot = tf.withName(name).variable(tf.zeros(tf.constant(v.shape()), TFloat32.class));
    slots.add(slot);
    if (kind.equals("acc")) accumulators.add(slot);
    return slot;
  }

  private static Operand<org.tensorflow.types.TInt32> allAxes(Ops tf, Operand<TFloat32> x) {
    return tf.range(tf.constant(0), tf.rank(x), tf.constant(1));
  }

  /** The learning-rate placeholder of each group (groups without variables are absent). */
  public Map<ParameterGroup, Placeholder<TFloat32>> learningRates() {
    return java.util.Collections.unmodifiableMap(learningRates);
  }

  /** Feeds every group's learning rate for optimizer step {@code step} (0-based), from the group's schedule. */
  public void feedLearningRates(Feeds feeds, long step) {
    for (Map.Entry<ParameterGroup, Placeholder<TFloat32>> e : learningRates.entrySet()) {
      feeds.feed(e.getValue(), TFloat32.scalarOf((float) e.getKey().schedule().rate(step)));
    }
  }

  /** The optimizer's own variables (moments, beta powers, accumulators), for checkpoints. */
  public List<Variable<TFloat32>> slots() {
    return slots;
  }

  /** One optimizer step. */
  public Op apply() {
    return apply;
  }

  /** Adds the fed micro-batch's gradient to the accumulators; null without accumulation. */
  public Op accumulate() {
    return accumulate;
  }

  /** Global L2 norm of the (unclipped) gradient used by {@link #apply()}. */
  public Operand<TFloat32> gradNorm() {
    return gradNorm;
  }
}
