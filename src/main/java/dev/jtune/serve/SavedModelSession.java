package dev.jtune.serve;

import dev.jtune.JtuneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.proto.AssetFileDef;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.types.TString;

/**
 * One MetaGraph of a SavedModel in a TF session, loaded the way TensorFlow's C++ loader (the one
 * TF Serving uses) loads it: import the graph, run the SaverDef's restore op with the variables
 * prefix fed, then run the init op (the {@code __saved_model_init_op} signature, else the {@code
 * saved_model_main_op} or {@code legacy_init_op} collection) with every asset's path fed.
 *
 * <p>TF-Java's {@code SavedModelBundle} is not used because it refuses models TF Serving serves:
 * it checks every SignatureDef against the graph (TF Serving's half_plus_three declares DT_FLOAT
 * for its DT_STRING {@code tf_example:0}, so the whole model failed to load), and it runs the init
 * op a second time without the asset feeds (an Estimator export whose init op reads a vocabulary
 * asset failed). Signatures are only read here; a broken one fails its own requests.
 */
final class SavedModelSession implements AutoCloseable {
  static final String INIT_OP_SIGNATURE = "__saved_model_init_op";
  private static final List<String> INIT_OP_COLLECTIONS = List.of("saved_model_main_op", "legacy_init_op");
  private static final String ASSETS_COLLECTION = "saved_model_assets";

  private final MetaGraphDef metaGraph;
  private final Graph graph;
  private final Session session;

  private SavedModelSession(MetaGraphDef metaGraph, Graph graph, Session session) {
    this.metaGraph = metaGraph;
    this.graph = graph;
    this.session = session;
  }

  /**
   * Loads the MetaGraph of {@code dir/saved_model.pb} whose tag set is exactly {@code {tag}}.
   *
   * @throws JtuneException when the folder holds no readable SavedModel, no such MetaGraph, or its
   *     variables cannot be restored or its init op fails
   */
  static SavedModelSession load(Path dir, String tag, ConfigProto config) {
    MetaGraphDef meta = metaGraph(dir, tag);
    Graph graph = new Graph();
    Session session = null;
    try {
      graph.importGraphDef(meta.getGraphDef());
      // no auto-initialization: a restored graph's variables come from the checkpoint
      session = new Session(graph, false, config);
      // TF-Java registers the ops of an imported graph named Init* (its own exporter's group of
      // variable initializers) and runs no session until they ran: run them first, so that the
      // restore and the init op come after them, as in TF's loader
      if (hasTfJavaInitializers(graph)) session.initialize();
      Map<String, String> assets = assetPaths(dir, meta);
      Path index = dir.resolve("variables").resolve("variables.index");
      if (meta.hasSaverDef() && Files.isRegularFile(index)) {
        Map<String, String> feeds = new LinkedHashMap<>(assets);
        feeds.put(meta.getSaverDef().getFilenameTensorName(), dir.resolve("variables").resolve("variables").toString());
        run(session, feeds, meta.getSaverDef().getRestoreOpName());
      }
      String initOp = initOp(meta, dir);
      if (initOp != null) run(session, assets, initOp);
      return new SavedModelSession(meta, graph, session);
    } catch (RuntimeException e) {
      if (session != null) session.close();
      graph.close();
      if (e instanceof JtuneException) throw e;
      throw new JtuneException(dir + ": cannot load the SavedModel: " + firstLine(e), e);
    }
  }

  private static boolean hasTfJavaInitializers(Graph graph) {
    for (var it = graph.operations(); it.hasNext(); ) {
      if (graph.isInitializer(it.next())) return true;
    }
    return false;
  }

  MetaGraphDef metaGraph() {
    return metaGraph;
  }

  Session session() {
    return session;
  }

  private static MetaGraphDef metaGraph(Path dir, String tag) {
    SavedModel model;
    try {
      model = SavedModel.parseFrom(Files.readAllBytes(dir.resolve("saved_model.pb")));
    } catch (IOException e) {
      throw new JtuneException(dir.resolve("saved_model.pb") + ": cannot read: " + e.getMessage(), e);
    }
    List<List<String>> tagSets = new ArrayList<>();
    for (MetaGraphDef m : model.getMetaGraphsList()) {
      List<String> tags = m.getMetaInfoDef().getTagsList();
      if (tags.size() == 1 && tags.get(0).equals(tag)) return m;
      tagSets.add(tags);
    }
    throw new JtuneException(
        dir.resolve("saved_model.pb") + ": no MetaGraph with exactly the tag '" + tag + "' (tag sets: " + tagSets
            + "); export it with the '" + tag + "' tag");
  }

  /** Asset tensor -> the asset's path in this folder, from asset_file_def or, in older exports, the assets collection. */
  private static Map<String, String> assetPaths(Path dir, MetaGraphDef meta) {
    List<AssetFileDef> defs = new ArrayList<>(meta.getAssetFileDefList());
    CollectionDef collection = meta.getCollectionDefMap().get(ASSETS_COLLECTION);
    if (defs.isEmpty() && collection != null) {
      for (com.google.protobuf.Any any : collection.getAnyList().getValueList()) {
        try {
          defs.add(any.unpack(AssetFileDef.class));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
          throw new JtuneException(dir + ": unreadable entry in the " + ASSETS_COLLECTION + " collection", e);
        }
      }
    }
    Map<String, String> paths = new LinkedHashMap<>();
    for (AssetFileDef d : defs) paths.put(d.getTensorInfo().getName(), dir.resolve("assets").resolve(d.getFilename()).toString());
    return paths;
  }

  /** The op TF's loader runs after the restore, or null when the model has none. */
  private static String initOp(MetaGraphDef meta, Path dir) {
    SignatureDef sig = meta.getSignatureDefMap().get(INIT_OP_SIGNATURE);
    if (sig != null && sig.containsOutputs(INIT_OP_SIGNATURE)) return sig.getOutputsOrThrow(INIT_OP_SIGNATURE).getName();
    for (String key : INIT_OP_COLLECTIONS) {
      CollectionDef c = meta.getCollectionDefMap().get(key);
      if (c == null) continue;
      if (c.getNodeList().getValueCount() != 1) {
        throw new JtuneException(dir + ": the " + key + " collection must hold exactly one op, it holds " + c.getNodeList().getValueCount());
      }
      return c.getNodeList().getValue(0);
    }
    return null;
  }

  /** Runs {@code target} with string scalars fed (variables prefix, asset paths). */
  private static void run(Session session, Map<String, String> feeds, String target) {
    List<Tensor> fed = new ArrayList<>();
    try {
      Session.Runner runner = session.runner();
      for (var e : feeds.entrySet()) {
        TString t = TString.scalarOf(e.getValue());
        fed.add(t);
        runner.feed(e.getKey(), t);
      }
      // a target is an op; some exporters name the init op's tensor ("init:0")
      runner.addTarget(target.replaceFirst(":\\d+$", "")).run().close();
    } finally {
      for (Tensor t : fed) t.close();
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  @Override
  public void close() {
    session.close();
    graph.close();
  }
}
