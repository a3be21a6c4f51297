package dev.jtune.serve;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Operation;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.io.ParseExample;
import org.tensorflow.proto.AssetFileDef;
import org.tensorflow.proto.CollectionDef;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.MetaGraphDef;
import org.tensorflow.proto.SavedModel;
import org.tensorflow.proto.SaverDef;
import org.tensorflow.proto.SignatureDef;
import org.tensorflow.proto.TensorInfo;
import org.tensorflow.proto.TensorShapeProto;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.family.TType;

/**
 * Java-built twins of TF Serving's own test models ({@code saved_model_half_plus_two} and {@code
 * saved_model_half_plus_three} in tensorflow_serving/servables/tensorflow/testdata), written the
 * way their Python exporters write them, because Python-made SavedModels cannot be produced here:
 *
 * <ul>
 *   <li>{@link #tf1} as TF1's SavedModelBuilder writes an Estimator-style export: VariableV2
 *       variables restored by a {@code save/restore_all} op, a {@code tf_example} DT_STRING
 *       placeholder parsed with ParseExample (V1) into {@code x} and {@code x2}, classify and
 *       regress signatures over it, an asset fed to a legacy_init_op;
 *   <li>{@link #tf2} as {@code tf.saved_model.save} writes one: resource variables (VarHandleOp,
 *       ReadVariableOp, AssignVariableOp), ParseExampleV2, one placeholder per signature input
 *       named {@code <signature>_<input>}, every method name {@code tensorflow/serving/predict},
 *       and an {@code __saved_model_init_op} signature that reads the asset.
 * </ul>
 *
 * The variables are written with this graph's own SaveV2 op and the SavedModel proto is written
 * directly (not through TF-Java's exporter, whose saver keeps only VariableV2 values, so resource
 * variables would not reload). Every graph computes y = a*x + b, y2 = a*x + c, y3 = a*x2 + c with
 * a = 0.5, c = 3 and b = 2 (half_plus_two) or 3 (half_plus_three).
 *
 * <p>What differs from the Python-made files: the TF2 twin computes in the graph itself rather
 * than inside the StatefulPartitionedCall functions Python writes (a signature served through a
 * function call is {@link ServingFixtures#functionCallModel}); its saver is plain SaveV2/RestoreV2
 * ops rather than a function; the object graph (TF2's SavedObjectGraph, used only by Python's
 * tf.saved_model.load) is not written. Tensor, signature, collection and asset names are those of
 * the originals.
 */
final class HalfPlusModels {
  /** What the asset file holds; the init op reads it into a variable that {@code asset_contents} returns. */
  static final String ASSET_CONTENTS = "asset-file-contents";
  // where the exporting machine kept the asset: never exists here, so only a loader that feeds the
  // asset's real path lets the init op read it
  private static final String EXPORT_TIME_ASSET = "/nonexistent-export-dir/assets/foo.txt";

  private HalfPlusModels() {}

  /**
   * TF1 SavedModelBuilder export. With {@code b = 2}: the signatures of saved_model_half_plus_two
   * (serving_default x -> y; regress_x_to_y, regress_x_to_y2, classify_x_to_y on tf_example;
   * regress_x2_to_y3 on x2) plus {@code classify_x_to_classes} (classes [N,2] "y","y2" with scores
   * [y, y2]) and {@code asset_contents}. With {@code b = 3}, as the older saved_model_half_plus_three
   * was written: shapeless TensorInfos, serving_default x -> y and a regress signature keyed
   * {@code tensorflow/serving/regress} whose input {@code tf_example:0} is declared DT_FLOAT although
   * the placeholder is DT_STRING.
   */
  static Path tf1(Path base, String name, long version, float b) throws IOException {
    boolean three = b == 3f;
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      // the asset: SavedModelBuilder records its export-time path in the graph's first Const and
      // the loader feeds the real one
      var assetPath = tf.withName("Const").constant(EXPORT_TIME_ASSET);
      Map<String, Variable<?>> vars = new LinkedHashMap<>();
      List<Op> init = new ArrayList<>();
      Variable<TFloat32> va = floatVar(tf, "a", 0.5f, vars, init);
      Variable<TFloat32> vb = floatVar(tf, "b", b, vars, init);
      Variable<TFloat32> vc = floatVar(tf, "c", 3f, vars, init);
      Placeholder<TString> examples =
          three
              ? tf.withName("tf_example").placeholder(TString.class)
              : tf.withName("tf_example").placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
      Output<?>[] parsed = parseExampleV1(tf, examples);
      var x = tf.withName("x").identity(floats(parsed[0]));
      var x2 = tf.withName("x2").identity(floats(parsed[1]));
      var y = tf.withName("y").math.add(tf.math.mul(va, x), vb);
      var y2 = tf.withName("y2").math.add(tf.math.mul(va, x), vc);
      var y3 = tf.withName("y3").math.add(tf.math.mul(va, x2), vc);
      var classes =
          tf.withName("classes")
              .tile(
                  tf.constant(Shape.of(1, 2), DataBuffers.ofObjects("y", "y2")),
                  tf.concat(List.of(tf.slice(tf.shape(y), tf.constant(new int[] {0}), tf.constant(new int[] {1})), tf.constant(new int[] {1})), tf.constant(0)));
      var scores = tf.withName("scores").concat(List.of(y, y2), tf.constant(1));
      var regressOut = tf.withName("Identity").identity(y);

      Variable<TString> contents = tf.withName("asset_contents").variable(Shape.scalar(), TString.class);
      var readAsset = tf.withName("read_asset").assign(contents, tf.io.readFile(assetPath));
      Op legacyInit = tf.withName("group_deps").withControlDependencies(List.<Op>of(readAsset)).noOp();
      var assetOut = tf.withName("contents").identity(contents);

      SaverDef saver = saver(tf, vars);
      s.runner().addTarget(tf.withName("init").withControlDependencies(init).noOp()).run();

      Map<String, SignatureDef> sigs = new LinkedHashMap<>();
      if (three) {
        sigs.put("serving_default", sig("tensorflow/serving/predict", Map.of("x", info("x:0", DataType.DT_FLOAT, null)), Map.of("y", info("y:0", DataType.DT_FLOAT, null))));
        sigs.put(
            "tensorflow/serving/regress",
            sig("tensorflow/serving/regress", Map.of("inputs", info("tf_example:0", DataType.DT_FLOAT, null)), Map.of("outputs", info("Identity:0", DataType.DT_FLOAT, null))));
      } else {
        long[] col = {-1, 1};
        TensorInfo examplesInfo = info("tf_example:0", DataType.DT_STRING, new long[] {-1});
        sigs.put("serving_default", sig("tensorflow/serving/predict", Map.of("x", info("x:0", DataType.DT_FLOAT, col)), Map.of("y", info("y:0", DataType.DT_FLOAT, col))));
        sigs.put("regress_x_to_y", sig("tensorflow/serving/regress", Map.of("inputs", examplesInfo), Map.of("outputs", info("y:0", DataType.DT_FLOAT, col))));
        sigs.put("regress_x_to_y2", sig("tensorflow/serving/regress", Map.of("inputs", examplesInfo), Map.of("outputs", info("y2:0", DataType.DT_FLOAT, col))));
        sigs.put("regress_x2_to_y3", sig("tensorflow/serving/regress", Map.of("inputs", info("x2:0", DataType.DT_FLOAT, col)), Map.of("outputs", info("y3:0", DataType.DT_FLOAT, col))));
        sigs.put("classify_x_to_y", sig("tensorflow/serving/classify", Map.of("inputs", examplesInfo), Map.of("scores", info("y:0", DataType.DT_FLOAT, col))));
        sigs.put(
            "classify_x_to_classes",
            sig(
                "tensorflow/serving/classify", Map.of("inputs", examplesInfo),
                Map.of("classes", info("classes:0", DataType.DT_STRING, new long[] {-1, 2}), "scores", info("scores:0", DataType.DT_FLOAT, new long[] {-1, 2}))));
        sigs.put("asset_contents", sig("tensorflow/serving/predict", Map.of("x", info("x:0", DataType.DT_FLOAT, col)), Map.of("contents", info("contents:0", DataType.DT_STRING, new long[0]))));
      }
      AssetFileDef asset = AssetFileDef.newBuilder().setTensorInfo(TensorInfo.newBuilder().setName("Const:0")).setFilename("foo.txt").build();
      MetaGraphDef.Builder meta =
          MetaGraphDef.newBuilder()
              .setSaverDef(saver)
              .putAllSignatureDef(sigs)
              // SavedModelBuilder of TF 1.x keeps assets and the legacy init op in collections
              .putCollectionDef(
                  "saved_model_assets",
                  CollectionDef.newBuilder().setAnyList(CollectionDef.AnyList.newBuilder().addValue(com.google.protobuf.Any.pack(asset))).build())
              .putCollectionDef("legacy_init_op", nodeList(legacyInit.op().name()));
      return write(base, name, version, g, s, saver, meta, Map.of("foo.txt", ASSET_CONTENTS));
    }
  }

  /**
   * tf.saved_model.save export of HalfPlusTwoModel (saved_model_half_plus_two.py with tf2=True):
   * serving_default x [1] -> y; regress_x_to_y, regress_x_to_y2, classify_x_to_y on serialized
   * examples [-1]; regress_x2_to_y3, classify_x2_to_y3 on a float x2 [1]; all with method
   * tensorflow/serving/predict; resource variables a, b, c.
   */
  static Path tf2(Path base, String name, long version) throws IOException {
    try (Graph g = new Graph(); Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      Map<String, Operand<?>> handles = new LinkedHashMap<>();
      List<Op> init = new ArrayList<>();
      for (var e : Map.of("a", 0.5f, "b", 2f, "c", 3f).entrySet()) {
        var h = tf.withName(e.getKey()).varHandleOp(TFloat32.class, Shape.scalar(), org.tensorflow.op.core.VarHandleOp.sharedName(e.getKey()));
        handles.put(e.getKey(), h);
        init.add(tf.assignVariableOp(h, tf.constant(e.getValue())));
      }
      Map<String, SignatureDef> sigs = new LinkedHashMap<>();
      var x = tf.withName("serving_default_x").placeholder(TFloat32.class, Placeholder.shape(Shape.of(1)));
      sigs.put("serving_default", predictSig(Map.of("x", info("serving_default_x:0", DataType.DT_FLOAT, new long[] {1})),
          Map.of("y", out(tf, "y", compute(tf, handles, x, "b"), new long[] {1}))));
      for (String sig : List.of("regress_x_to_y", "regress_x_to_y2", "classify_x_to_y")) {
        var in = tf.withName(sig + "_inputs").placeholder(TString.class, Placeholder.shape(Shape.of(-1)));
        var parsedX = parseExampleV2(tf, in);
        String key = sig.startsWith("regress") ? "outputs" : "scores";
        sigs.put(sig, predictSig(Map.of("inputs", info(sig + "_inputs:0", DataType.DT_STRING, new long[] {-1})),
            Map.of(key, out(tf, sig + "_out", compute(tf, handles, parsedX, sig.endsWith("y2") ? "c" : "b"), new long[] {-1, 1}))));
      }
      for (String sig : List.of("regress_x2_to_y3", "classify_x2_to_y3")) {
        var in = tf.withName(sig + "_inputs").placeholder(TFloat32.class, Placeholder.shape(Shape.of(1)));
        String key = sig.startsWith("regress") ? "outputs" : "scores";
        sigs.put(sig, predictSig(Map.of("inputs", info(sig + "_inputs:0", DataType.DT_FLOAT, new long[] {1})),
            Map.of(key, out(tf, sig + "_out", compute(tf, handles, in, "c"), new long[] {1}))));
      }
      // the init op (run after the restore) reads the asset, whose path the loader feeds
      var assetPath = tf.withName("asset_path_initializer").constant(EXPORT_TIME_ASSET);
      var contents = tf.withName("asset_contents_var").varHandleOp(TString.class, Shape.scalar(), org.tensorflow.op.core.VarHandleOp.sharedName("asset_contents_var"));
      var readAsset = tf.assignVariableOp(contents, tf.io.readFile(assetPath));
      Op initOp = tf.withName("NoOp").withControlDependencies(List.<Op>of(readAsset)).noOp();
      tf.withName("asset_contents_x").placeholder(TFloat32.class);
      sigs.put("asset_contents", predictSig(Map.of("x", info("asset_contents_x:0", DataType.DT_FLOAT, null)),
          Map.of("contents", out(tf, "asset_contents_out", tf.readVariableOp(contents, TString.class), new long[0]))));
      // an input TF-Java has no type for (DT_INT8): this signature cannot be served, the others must be
      Operation int8 = tf.scope().opBuilder("Placeholder", "int8_x").setAttr("dtype", DataType.DT_INT8).build();
      Operation asFloat = tf.scope().opBuilder("Cast", "int8_as_float").addInput(int8.output(0)).setAttr("DstT", DataType.DT_FLOAT).build();
      sigs.put("int8_input", predictSig(Map.of("x", info("int8_x:0", DataType.DT_INT8, new long[] {-1})),
          Map.of("y", out(tf, "int8_y", floats(asFloat.output(0)), new long[] {-1}))));
      sigs.put(
          "__saved_model_init_op",
          SignatureDef.newBuilder()
              .putOutputs("__saved_model_init_op", TensorInfo.newBuilder().setName(initOp.op().name()).setTensorShape(TensorShapeProto.newBuilder().setUnknownRank(true)).build())
              .build());

      SaverDef saver = resourceSaver(tf, handles);
      s.runner().addTarget(tf.withName("init_all").withControlDependencies(init).noOp()).run();
      AssetFileDef asset = AssetFileDef.newBuilder().setTensorInfo(TensorInfo.newBuilder().setName("asset_path_initializer:0")).setFilename("foo.txt").build();
      MetaGraphDef.Builder meta = MetaGraphDef.newBuilder().setSaverDef(saver).putAllSignatureDef(sigs).addAssetFileDef(asset);
      return write(base, name, version, g, s, saver, meta, Map.of("foo.txt", ASSET_CONTENTS));
    }
  }

  // ------------------------------------------------------------------------------------ pieces

  private static Variable<TFloat32> floatVar(Ops tf, String name, float value, Map<String, Variable<?>> vars, List<Op> init) {
    Variable<TFloat32> v = tf.withName(name).variable(Shape.scalar(), TFloat32.class);
    vars.put(name, v);
    init.add(tf.withName(name + "_assign").assign(v, tf.constant(value)));
    return v;
  }

  private static Operand<TFloat32> compute(Ops tf, Map<String, Operand<?>> handles, Operand<TFloat32> x, String inc) {
    var a = tf.readVariableOp(handles.get("a"), TFloat32.class);
    var b = tf.readVariableOp(handles.get(inc), TFloat32.class);
    return tf.math.add(tf.math.mul(a, x), b);
  }

  private static TensorInfo out(Ops tf, String name, Operand<?> value, long[] shape) {
    @SuppressWarnings({"unchecked", "rawtypes"})
    Operand<?> named = tf.withName(name).identity((Operand) value);
    DataType dt = named.asOutput().dataType();
    return info(name + ":0", dt, shape);
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> floats(Output<?> o) {
    return (Operand<TFloat32>) o;
  }

  /** tf.parse_example as TF 1.x builds it: the V1 ParseExample op with dense x [1] (required) and x2 [1] (default 0). */
  private static Output<?>[] parseExampleV1(Ops tf, Operand<TString> serialized) {
    Operation op =
        tf.scope()
            .opBuilder("ParseExample", "ParseExample")
            .addInput(serialized.asOutput())
            .addInput(tf.withName("names").constant(Shape.of(0), DataBuffers.ofObjects(new String[0])).asOutput())
            .addInputList(new Output<?>[0])
            .addInputList(new Output<?>[] {tf.withName("dense_keys_0").constant("x").asOutput(), tf.withName("dense_keys_1").constant("x2").asOutput()})
            .addInputList(new Output<?>[] {tf.withName("x_default").constant(Shape.of(0), DataBuffers.of(new float[0])).asOutput(), tf.withName("x2_default").constant(new float[] {0f}).asOutput()})
            .setAttr("Nsparse", 0L)
            .setAttr("Ndense", 2L)
            .setAttr("sparse_types", new DataType[0])
            .setAttr("Tdense", new DataType[] {DataType.DT_FLOAT, DataType.DT_FLOAT})
            .setAttr("dense_shapes", new Shape[] {Shape.of(1), Shape.of(1)})
            .build();
    return new Output<?>[] {op.output(0), op.output(1)};
  }

  /** tf.io.parse_example as TF 2.x builds it: ParseExampleV2 with a required dense x [1]. */
  private static Operand<TFloat32> parseExampleV2(Ops tf, Operand<TString> serialized) {
    var none = tf.constant(Shape.of(0), DataBuffers.ofObjects(new String[0]));
    ParseExample parsed =
        tf.io.parseExample(
            serialized, none, none, tf.constant(Shape.of(1), DataBuffers.ofObjects("x")), none,
            List.of(tf.zeros(tf.constant(new long[] {0}), TFloat32.class)), 0L, List.of(), List.of(), List.of(), List.of(Shape.of(1)));
    return floats(parsed.denseValues().get(0).asOutput());
  }

  /** TF1's Saver: SaveV2 / RestoreV2 + Assign under {@code save/}, the file prefix fed into {@code save/Const:0}. */
  private static SaverDef saver(Ops tf, Map<String, Variable<?>> vars) {
    Ops save = tf.withSubScope("save");
    var prefix = save.withName("Const").constant("model");
    var names = save.withName("tensor_names").constant(strings(vars.keySet().stream().toList()));
    var slices = save.withName("shape_and_slices").constant(strings(vars.keySet().stream().map(k -> "").toList()));
    save.withName("SaveV2").train.save(prefix, names, slices, new ArrayList<>(vars.values()));
    List<Class<? extends TType>> types = vars.values().stream().<Class<? extends TType>>map(v -> TFloat32.class).toList();
    var restored = save.withName("RestoreV2").train.restore(prefix, names, slices, types);
    List<Op> assigns = new ArrayList<>();
    int i = 0;
    for (Variable<?> v : vars.values()) assigns.add(save.withName("Assign_" + i).assign(cast(v), floats(restored.tensors().get(i++).asOutput())));
    save.withName("restore_all").withControlDependencies(assigns).noOp();
    return SaverDef.newBuilder()
        .setFilenameTensorName("save/Const:0")
        .setSaveTensorName("save/SaveV2")
        .setRestoreOpName("save/restore_all")
        .setVersion(SaverDef.CheckpointFormatVersion.V2)
        .build();
  }

  /** tf.saved_model.save's saver for resource variables: reads through ReadVariableOp, restores with AssignVariableOp. */
  private static SaverDef resourceSaver(Ops tf, Map<String, Operand<?>> handles) {
    var prefix = tf.withName("saver_filename").placeholderWithDefault(tf.constant("model"), Shape.scalar());
    var names = tf.withName("saver_tensor_names").constant(strings(handles.keySet().stream().toList()));
    var slices = tf.withName("saver_slices").constant(strings(handles.keySet().stream().map(k -> "").toList()));
    List<Operand<?>> values = new ArrayList<>();
    for (Operand<?> h : handles.values()) values.add(tf.readVariableOp(h, TFloat32.class));
    tf.withName("saver_save").train.save(prefix, names, slices, values);
    List<Class<? extends TType>> types = handles.values().stream().<Class<? extends TType>>map(v -> TFloat32.class).toList();
    var restored = tf.withName("saver_restore").train.restore(prefix, names, slices, types);
    List<Op> assigns = new ArrayList<>();
    int i = 0;
    for (Operand<?> h : handles.values()) assigns.add(tf.assignVariableOp(h, restored.tensors().get(i++)));
    tf.withName("saver_restore_all").withControlDependencies(assigns).noOp();
    return SaverDef.newBuilder()
        .setFilenameTensorName("saver_filename:0")
        .setSaveTensorName("saver_save")
        .setRestoreOpName("saver_restore_all")
        .setVersion(SaverDef.CheckpointFormatVersion.V2)
        .build();
  }

  private static org.tensorflow.ndarray.NdArray<String> strings(List<String> values) {
    return org.tensorflow.ndarray.NdArrays.vectorOfObjects(values.toArray(String[]::new));
  }

  @SuppressWarnings("unchecked")
  private static Variable<TFloat32> cast(Variable<?> v) {
    return (Variable<TFloat32>) v;
  }

  static TensorInfo info(String tensor, DataType dtype, long[] shape) {
    TensorInfo.Builder b = TensorInfo.newBuilder().setName(tensor).setDtype(dtype);
    if (shape != null) {
      TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
      for (long d : shape) s.addDim(TensorShapeProto.Dim.newBuilder().setSize(d));
      b.setTensorShape(s);
    }
    return b.build();
  }

  static SignatureDef sig(String method, Map<String, TensorInfo> inputs, Map<String, TensorInfo> outputs) {
    return SignatureDef.newBuilder().setMethodName(method).putAllInputs(inputs).putAllOutputs(outputs).build();
  }

  private static SignatureDef predictSig(Map<String, TensorInfo> inputs, Map<String, TensorInfo> outputs) {
    return sig("tensorflow/serving/predict", inputs, outputs);
  }

  private static CollectionDef nodeList(String... nodes) {
    return CollectionDef.newBuilder().setNodeList(CollectionDef.NodeList.newBuilder().addAllValue(List.of(nodes))).build();
  }

  /**
   * Saves the variables with the graph's own save op into {@code variables/variables}, writes the
   * assets and {@code saved_model.pb}, in a hidden folder renamed into {@code base/name/version}.
   */
  private static Path write(
      Path base, String name, long version, Graph g, Session s, SaverDef saver, MetaGraphDef.Builder meta, Map<String, String> assets)
      throws IOException {
    Path modelDir = Files.createDirectories(base.resolve(name));
    Path tmp = Files.createDirectories(modelDir.resolve(".tmp-" + version));
    Files.createDirectories(tmp.resolve("variables"));
    Path assetDir = Files.createDirectories(tmp.resolve("assets"));
    for (var e : assets.entrySet()) Files.writeString(assetDir.resolve(e.getKey()), e.getValue(), StandardCharsets.UTF_8);
    try (TString prefix = TString.scalarOf(tmp.resolve("variables/variables").toString())) {
      s.runner().feed(saver.getFilenameTensorName(), prefix).addTarget(saver.getSaveTensorName()).run();
    }
    meta.setGraphDef(g.toGraphDef()).setMetaInfoDef(MetaGraphDef.MetaInfoDef.newBuilder().addTags(ServableVersion.SERVE_TAG));
    Files.write(tmp.resolve("saved_model.pb"), SavedModel.newBuilder().setSavedModelSchemaVersion(1).addMetaGraphs(meta).build().toByteArray());
    Path target = modelDir.resolve(Long.toString(version));
    Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    return target;
  }
}
