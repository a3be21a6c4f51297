package dev.jtune.serve;

import java.util.Arrays;
import java.util.Optional;
import org.tensorflow.proto.DataType;

/**
 * The tensor element types the server can carry between JSON and TensorFlow, with the Java array
 * that holds them in a {@link HostTensor}. Half and bfloat16 travel as float[] and are converted
 * by TensorFlow's own types at the session boundary.
 */
public enum DType {
  FLOAT(DataType.DT_FLOAT, Kind.FLOAT),
  DOUBLE(DataType.DT_DOUBLE, Kind.DOUBLE),
  HALF(DataType.DT_HALF, Kind.FLOAT),
  BFLOAT16(DataType.DT_BFLOAT16, Kind.FLOAT),
  INT32(DataType.DT_INT32, Kind.INT),
  INT64(DataType.DT_INT64, Kind.LONG),
  UINT8(DataType.DT_UINT8, Kind.INT),
  UINT16(DataType.DT_UINT16, Kind.INT),
  BOOL(DataType.DT_BOOL, Kind.BOOL),
  STRING(DataType.DT_STRING, Kind.BYTES);

  /** The Java array type backing a tensor of this dtype. */
  public enum Kind {
    FLOAT,
    DOUBLE,
    INT,
    LONG,
    BOOL,
    BYTES
  }

  private final DataType proto;
  private final Kind kind;

  DType(DataType proto, Kind kind) {
    this.proto = proto;
    this.kind = kind;
  }

  public DataType proto() {
    return proto;
  }

  public Kind kind() {
    return kind;
  }

  /** The TF name, e.g. {@code DT_FLOAT}, as TF Serving prints it in metadata. */
  public String tfName() {
    return proto.name();
  }

  /** TF's DataTypeString, e.g. {@code float}, as TF Serving's JSON errors name the type. */
  public String typeString() {
    return switch (this) {
      case FLOAT -> "float";
      case DOUBLE -> "double";
      case HALF -> "half";
      case BFLOAT16 -> "bfloat16";
      case INT32 -> "int32";
      case INT64 -> "int64";
      case UINT8 -> "uint8";
      case UINT16 -> "uint16";
      case BOOL -> "bool";
      case STRING -> "string";
    };
  }

  public static Optional<DType> of(DataType proto) {
    return Arrays.stream(values()).filter(d -> d.proto == proto).findFirst();
  }

  /** Inclusive value range of integer dtypes, used to reject out-of-range JSON numbers. */
  long minValue() {
    return switch (this) {
      case INT32 -> Integer.MIN_VALUE;
      case UINT8, UINT16 -> 0;
      default -> Long.MIN_VALUE;
    };
  }

  long maxValue() {
    return switch (this) {
      case INT32 -> Integer.MAX_VALUE;
      case UINT8 -> 255;
      case UINT16 -> 65535;
      default -> Long.MAX_VALUE;
    };
  }
}
