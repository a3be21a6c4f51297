package dev.jtune.model;

import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;

/**
 * A graph variable of a {@link BertEncoder} together with the parameter it holds; a trainer picks the
 * ones to update by {@link EncoderParameter#block()} / {@link EncoderParameter#layer()}.
 *
 * @param parameter checkpoint name, shape and block
 * @param variable the {@code VariableV2} op holding it (op name = checkpoint name)
 */
public record EncoderVariable(EncoderParameter parameter, Variable<TFloat32> variable) {

  public String name() {
    return parameter.name();
  }
}
