package dev.jtune.train;

import dev.jtune.JtuneException;
import dev.jtune.io.AtomicFiles;
import dev.jtune.artifact.JtuneJson;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Checkpoints of a run in {@code <run>/checkpoints/}: {@code last.ckpt} (everything needed to
 * resume: {@link TrainerState}, trained variables and optimizer slots) and {@code best.ckpt} (the
 * trained variables at the best validation). Each file is written to a temporary name and renamed,
 * so a kill at any moment leaves the previous complete checkpoint in place.
 *
 * <p>Format: magic {@code JTUNECK1}, the state as JSON, then named float32 tensors (shape + values,
 * little-endian).
 */
public final class CheckpointStore {
  private static final String MAGIC = "JTUNECK1";
  private final Path dir;

  /** A saved checkpoint: the state and variable values by op name. */
  public record Checkpoint(TrainerState state, Map<String, Tensor> tensors) {}

  /** Shape and row-major values of one variable. */
  public record Tensor(long[] shape, float[] values) {}

  public CheckpointStore(Path dir) {
    this.dir = dir;
  }

  public Path last() {
    return dir.resolve("last.ckpt");
  }

  public Path best() {
    return dir.resolve("best.ckpt");
  }

  public void writeLast(TrainerState state, Map<String, Tensor> tensors) {
    write(last(), state, tensors);
  }

  public void writeBest(TrainerState state, Map<String, Tensor> tensors) {
    write(best(), state, tensors);
  }

  public boolean hasLast() {
    return Files.isRegularFile(last());
  }

  public static void write(Path file, TrainerState state, Map<String, Tensor> tensors) {
    AtomicFiles.write(file, tmp -> {
      try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(tmp), 1 << 20))) {
        out.writeUTF(MAGIC);
        byte[] json = JtuneJson.MAPPER.writeValueAsBytes(state);
        out.writeInt(json.length);
        out.write(json);
        out.writeInt(tensors.size());
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
          out.writeUTF(e.getKey());
          long[] shape = e.getValue().shape();
          out.writeInt(shape.length);
          for (long d : shape) out.writeLong(d);
          float[] v = e.getValue().values();
          out.writeInt(v.length);
          ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
          buf.asFloatBuffer().put(v);
          out.write(buf.array());
        }
      }
    });
  }

  public static Checkpoint read(Path file) {
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 20))) {
      if (!MAGIC.equals(in.readUTF())) throw new JtuneException(file + ": not a jtune checkpoint");
      byte[] json = new byte[in.readInt()];
      in.readFully(json);
      TrainerState state = JtuneJson.MAPPER.readValue(json, TrainerState.class);
      int n = in.readInt();
      Map<String, Tensor> tensors = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        String name = in.readUTF();
        long[] shape = new long[in.readInt()];
        for (int d = 0; d < shape.length; d++) shape[d] = in.readLong();
        float[] values = new float[in.readInt()];
        byte[] raw = new byte[values.length * 4];
        in.readFully(raw);
        ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        tensors.put(name, new Tensor(shape, values));
      }
      return new Checkpoint(state, tensors);
    } catch (IOException e) {
      if (e instanceof com.fasterxml.jackson.core.JacksonException) {
        throw new JtuneException(file + ": corrupt checkpoint state: " + e.getMessage());
      }
      throw new UncheckedIOException("cannot read checkpoint " + file, e);
    }
  }
}
