package dev.jtune.spark;

import dev.jtune.JtuneException;
import dev.jtune.artifact.ClassifierSpec;
import dev.jtune.predict.Backend;
import dev.jtune.predict.TextClassifier;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * One exported classifier version on a Hadoop-compatible file system (local, HDFS, S3, ... as the
 * cluster's Hadoop configuration reaches them), resolved once on the driver so that every executor
 * copies the same version: {@code exports/<name>} means its newest version, as for {@code jtune score}.
 * Carries the driver's Hadoop configuration to the executors (serialized, as {@link Configuration}
 * is not {@link Serializable}).
 *
 * @param versionUri the version folder (saved_model.pb, assets.extra/, model.onnx when exported)
 * @param onnxUri the ONNX file for the onnx backend (inside the version or {@code <name>-onnx/<version>/}), else null
 * @param name the model name (the folder above the version)
 * @param version the version number (0 when the folder is not numbered)
 * @param labels the class labels from {@code classifier.json}, line index = class id
 */
public record ModelSource(String versionUri, String onnxUri, String name, long version, List<String> labels, byte[] hadoopConf)
    implements Serializable {

  /** Resolves {@code path} on the file system its scheme names; a missing model is a one-line error naming the path. */
  public static ModelSource resolve(String path, Backend backend, Configuration conf) {
    try {
      Path p = new Path(path);
      FileSystem fs = p.getFileSystem(conf);
      if (!fs.exists(p)) {
        throw new JtuneException(path + ": model folder not found; pass exports/<model-name> or exports/<model-name>/<version> "
            + "(any Hadoop path: file:/..., hdfs://..., s3a://...)");
      }
      p = fs.makeQualified(p);
      Path version = p;
      if (!fs.exists(new Path(p, "saved_model.pb"))) {
        TreeMap<Long, Path> versions = new TreeMap<>();
        for (FileStatus s : fs.listStatus(p)) {
          String n = s.getPath().getName();
          if (s.isDirectory() && n.matches("\\d{1,18}") && fs.exists(new Path(s.getPath(), "saved_model.pb"))) {
            versions.put(Long.parseLong(n), s.getPath());
          }
        }
        if (versions.isEmpty()) {
          throw new JtuneException(path + ": no version folder with a saved_model.pb; export the model first (jtune export)");
        }
        version = versions.lastEntry().getValue();
      }
      Path spec = new Path(new Path(version, TextClassifier.EXPORT_ASSETS), ClassifierSpec.FILE_NAME);
      if (!fs.exists(spec)) {
        throw new JtuneException(spec + ": missing; not a jtune text classifier export (export the run with jtune export)");
      }
      List<String> labels = readSpec(fs, spec).labels();
      String v = version.getName();
      long number = v.matches("\\d{1,18}") ? Long.parseLong(v) : 0;
      String name = version.getParent() == null ? v : version.getParent().getName();
      String onnx = null;
      if (backend == Backend.ONNX) {
        Path inside = new Path(version, "model.onnx");
        Path beside = version.getParent() == null || version.getParent().getParent() == null ? inside
            : new Path(new Path(new Path(version.getParent().getParent(), name + "-onnx"), v), "model.onnx");
        Path file = fs.exists(inside) ? inside : fs.exists(beside) ? beside : null;
        if (file == null) throw new JtuneException(inside + ": ONNX file not found; export with --format onnx or use backend tf");
        onnx = file.toString();
      }
      return new ModelSource(version.toString(), onnx, name, number, labels, serialize(conf));
    } catch (IOException e) {
      throw new JtuneException(path + ": cannot read the model folder: " + e.getMessage(), e);
    }
  }

  private static ClassifierSpec readSpec(FileSystem fs, Path spec) throws IOException {
    java.nio.file.Path tmp = java.nio.file.Files.createTempFile("jtune-classifier", ".json");
    try (InputStream in = fs.open(spec)) {
      java.nio.file.Files.write(tmp, in.readAllBytes());
      return ClassifierSpec.read(tmp);
    } finally {
      java.nio.file.Files.deleteIfExists(tmp);
    }
  }

  /** The driver's Hadoop configuration, rebuilt on the executor. */
  public Configuration configuration() {
    Configuration c = new Configuration(false);
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(hadoopConf))) {
      c.readFields(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return c;
  }

  private static byte[] serialize(Configuration conf) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      conf.write(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  /** A short stable folder name for this version's local copy. */
  String localKey() {
    String k = versionUri + "|" + onnxUri;
    try {
      byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(k.getBytes(StandardCharsets.UTF_8));
      StringBuilder s = new StringBuilder();
      for (int i = 0; i < 8; i++) s.append(String.format("%02x", d[i]));
      return s.toString();
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    // the same files are the same model, whatever configuration reached them (it may change between jobs)
    return o instanceof ModelSource m && m.versionUri.equals(versionUri) && java.util.Objects.equals(m.onnxUri, onnxUri);
  }

  @Override
  public int hashCode() {
    return versionUri.hashCode() * 31 + java.util.Objects.hashCode(onnxUri);
  }
}
