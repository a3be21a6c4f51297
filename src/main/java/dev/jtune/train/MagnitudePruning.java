package dev.jtune.train;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Session;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * Unstructured magnitude pruning while training, on the schedule of TF Model Optimization's
 * {@code PolynomialDecay}: at step t in [begin, end], every {@code frequency} steps, each trained
 * layer kernel keeps only its largest-magnitude weights, the rest masked to zero, with sparsity
 * {@code s(t) = final + (initial - final) * (1 - (t - begin) / (end - begin))^3}; after {@code end}
 * the final sparsity holds. The masks live in the training graph ({@link TrainingGraph#masks}), which
 * applies them after every update and checkpoints them, so this listener only recomputes them when
 * due; it runs before validation, so every validation sees the pruned weights.
 *
 * <p>Dense runtimes run a sparse matrix as fast as a dense one: what shrinks is the compressed size
 * of the saved weights (the zeros are stored as such in the run's {@code model/}).
 */
final class MagnitudePruning implements TrainingListener {
  private final Session session;
  private final TrainingGraph graph;
  private final TrainingConfig.Pruning settings;
  private final long endStep;

  MagnitudePruning(Session session, TrainingGraph graph, TrainingConfig.Pruning settings, long totalSteps) {
    this.session = session;
    this.graph = graph;
    this.settings = settings;
    this.endStep = endStep(settings, totalSteps);
  }

  /** The step where the final sparsity is reached: {@code end_step}, or two thirds of the run for -1 (at least begin + 1). */
  static long endStep(TrainingConfig.Pruning settings, long totalSteps) {
    return settings.endStep() >= 0 ? settings.endStep() : Math.max(settings.beginStep() + 1, totalSteps * 2 / 3);
  }

  /** The target sparsity after optimizer step {@code step}. */
  static double sparsityAt(TrainingConfig.Pruning s, long end, long step) {
    if (step < s.beginStep()) return 0;
    if (step >= end) return s.sparsity();
    double progress = (double) (step - s.beginStep()) / (end - s.beginStep());
    return s.sparsity() + (s.initialSparsity() - s.sparsity()) * Math.pow(1 - progress, 3);
  }

  /** Whether the masks are recomputed after optimizer step {@code step} (1-based, as {@link StepEnd#step}). */
  static boolean due(TrainingConfig.Pruning s, long end, long step) {
    return step >= s.beginStep() && step <= end && ((step - s.beginStep()) % s.frequency() == 0 || step == end);
  }

  @Override
  public void onStep(StepEnd step) {
    long t = step.step();
    if (!due(settings, endStep, t)) return;
    double target = sparsityAt(settings, endStep, t);
    List<Variable<TFloat32>> kernels = List.copyOf(graph.masks().keySet());
    Map<String, CheckpointStore.Tensor> values = graph.read(session, kernels);
    Map<String, CheckpointStore.Tensor> newMasks = new LinkedHashMap<>();
    for (Variable<TFloat32> k : kernels) {
      CheckpointStore.Tensor w = values.get(k.op().name());
      newMasks.put(graph.masks().get(k).op().name(), new CheckpointStore.Tensor(w.shape(), mask(w.values(), target)));
    }
    graph.write(session, newMasks);
    graph.applyMasks(session);
  }

  /**
   * 1 for the weights kept, 0 for the {@code round(sparsity * n)} of smallest magnitude (ties broken
   * by position, so exactly that many are zero).
   */
  static float[] mask(float[] weights, double sparsity) {
    int n = weights.length, zeros = (int) Math.round(sparsity * n);
    float[] mask = new float[n];
    Arrays.fill(mask, 1f);
    if (zeros == 0) return mask;
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Arrays.sort(order, (a, b) -> Float.compare(Math.abs(weights[a]), Math.abs(weights[b])));
    for (int i = 0; i < zeros; i++) mask[order[i]] = 0f;
    return mask;
  }

  /** The share of zeros among {@code values}' weights (the achieved sparsity of the pruned kernels). */
  static double sparsityOf(List<float[]> values) {
    long zeros = 0, total = 0;
    for (float[] v : values) {
      for (float x : v) if (x == 0f) zeros++;
      total += v.length;
    }
    return total == 0 ? 0 : (double) zeros / total;
  }
}
