package dev.jtune.train;

import dev.jtune.io.AtomicFiles;
import dev.jtune.predict.TextClassifier;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import me.tongfei.progressbar.ProgressBar;

/**
 * A teacher classifier's logits for every train text of a distilling run, computed once and kept in
 * the run's cache folder (beside the feature cache) under a name made of the teacher's files and the
 * texts, so a second student of the same teacher on the same texts costs no teacher pass at all.
 * The teacher runs exactly as it would in {@code jtune score}: its own tokenizer, truncation and wide
 * part. Its log-probabilities stand for its logits (they differ by a per-row constant, to which a
 * softmax is blind).
 *
 * @param logits one row of {@code numLabels} values per text, in the texts' order
 * @param seconds time spent opening or computing them
 * @param computed whether the teacher ran (false: read from the cache)
 */
public record TeacherLogits(FeatureCache logits, double seconds, boolean computed) {
  /** Texts per teacher call; each call's rows go to the file as they come. */
  private static final int CHUNK = 2048;
  /** A probability of 0 becomes this log value rather than -infinity. */
  private static final float MIN_LOG = -80f;

  /**
   * The logits of the teacher SavedModel {@code teacherModel} (a run's {@code model/}) for {@code
   * texts}, from {@code cacheDir} or computed into it.
   */
  public static TeacherLogits load(Path teacherModel, List<String> texts, Path cacheDir, long memoryBytes, int batchSize,
      boolean showProgress) {
    long t0 = System.nanoTime();
    try (TextClassifier teacher = TextClassifier.load(teacherModel)) {
      int classes = teacher.labels().size();
      Path file = cacheDir.resolve("teacher-" + key(teacherModel, texts) + ".f32");
      var cached = FeatureCache.open(file, texts.size(), classes, memoryBytes);
      if (cached.isPresent()) return new TeacherLogits(cached.get(), (System.nanoTime() - t0) / 1e9, false);
      try {
        Files.createDirectories(cacheDir);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create the cache folder " + cacheDir, e);
      }
      try (ProgressBar bar = showProgress ? ProgressBarListener.open("teacher logits", texts.size()) : null) {
        AtomicFiles.write(file, tmp -> {
          try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            for (int first = 0; first < texts.size(); first += CHUNK) {
              List<String> chunk = texts.subList(first, Math.min(texts.size(), first + CHUNK));
              float[][] p = teacher.probabilities(chunk, batchSize);
              ByteBuffer out = ByteBuffer.allocate(chunk.size() * classes * 4).order(ByteOrder.LITTLE_ENDIAN);
              for (float[] row : p) {
                for (float v : row) out.putFloat(v > 0 ? Math.max(MIN_LOG, (float) Math.log(v)) : MIN_LOG);
              }
              out.flip();
              FrozenEncoderPass.writeFully(channel, out, (long) first * classes * 4);
              if (bar != null) bar.stepTo(first + chunk.size());
            }
          }
        });
      }
      return new TeacherLogits(FeatureCache.open(file, texts.size(), classes, memoryBytes).orElseThrow(),
          (System.nanoTime() - t0) / 1e9, true);
    }
  }

  /**
   * The cache name: a SHA-256 over every file of the teacher's model folder (path and bytes, in
   * sorted order) and every text, so any change to the teacher or the texts makes a new file.
   */
  static String key(Path teacherModel, List<String> texts) {
    MessageDigest md;
    try {
      md = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (Stream<Path> files = Files.walk(teacherModel)) {
      byte[] buf = new byte[1 << 16];
      for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
        md.update(teacherModel.relativize(f).toString().getBytes(StandardCharsets.UTF_8));
        try (InputStream in = Files.newInputStream(f)) {
          for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the teacher " + teacherModel, e);
    }
    ByteBuffer len = ByteBuffer.allocate(4);
    for (String t : texts) {
      byte[] b = t.getBytes(StandardCharsets.UTF_8);
      md.update(len.clear().putInt(b.length).array());
      md.update(b);
    }
    return HexFormat.of().formatHex(md.digest()).substring(0, 32);
  }
}
