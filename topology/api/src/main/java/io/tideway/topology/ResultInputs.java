package io.tideway.topology;

/**
 * Which input record a result — a record a topology sends — came from. Kafka Streams hands its
 * production handler the task's current record; when the broker refuses a result, the task has gone
 * on meanwhile, and that record is another. So {@link ObservedProcessors} names the input here
 * while its processors run, the runtime's producer notes it with each send, and names it again
 * while the send's callback runs, for the handler to read.
 */
public final class ResultInputs {

  /**
   * Where an input record was read.
   *
   * @param topic its topic
   * @param partition its partition
   * @param offset its offset
   * @param timestamp its time, as the first processor to take it had it: for a result a store's
   *     cache flushes, the aggregate's time, not the input's own
   * @param eventId its {@code id} header, or null
   */
  public record Input(String topic, int partition, long offset, long timestamp, String eventId) {}

  /**
   * What {@link #completing} names for a result sent while no processor was processing an input: a
   * punctuator's, a store's changelog write as its cache flushes at a commit, or a record a source
   * forwards straight to a sink.
   */
  public static final Input NO_INPUT = new Input(null, -1, -1, -1, null);

  private static final ThreadLocal<Input> PROCESSING = new ThreadLocal<>();
  private static final ThreadLocal<Input> COMPLETING = new ThreadLocal<>();

  private ResultInputs() {}

  /** The input this thread's processors are processing, or null outside their processing. */
  public static Input processing() {
    return PROCESSING.get();
  }

  /** Runs {@code process} with {@code input} as the input this thread processes. */
  static void processing(Input input, Runnable process) {
    within(PROCESSING, input, process);
  }

  /**
   * The input of the result whose send is completing on this thread, {@link #NO_INPUT} for a result
   * sent outside the processing of an input, or null outside a send's callback.
   */
  public static Input completing() {
    return COMPLETING.get();
  }

  /** Runs a send's {@code callback} with {@code input} as the input of its result. */
  public static void completing(Input input, Runnable callback) {
    within(COMPLETING, input, callback);
  }

  private static void within(ThreadLocal<Input> local, Input input, Runnable action) {
    Input outer = local.get();
    local.set(input);
    try {
      action.run();
    } finally {
      local.set(outer);
    }
  }
}
