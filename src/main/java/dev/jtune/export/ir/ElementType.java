package dev.jtune.export.ir;

/** Element types that appear in an inference computation: float activations and int32 ids/shapes. */
public enum ElementType {
  FLOAT32,
  INT32
}
