package io.tideway.topology;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.ProcessingContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.ProcessorWrapper;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.processor.api.WrappedFixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.WrappedProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * A Kafka Streams {@link ProcessorWrapper} that tells a {@link ProcessingObserver} when a record is
 * done: Streams forwards a record synchronously through its sub-topology, so when the outermost
 * processor call on a thread returns, that processor and every one below it have seen it. A source
 * that forwards to several processors calls them one after the other, and each reports.
 */
public final class ObservedProcessors implements ProcessorWrapper {

  /**
   * The input this thread refused last, while its source forwards it to its processors one after
   * the other: the first dead-letters it, the others skip it. Forgotten when a processor starts, as
   * a task does again before it reads an input again after an abort.
   */
  private static final ThreadLocal<String> REFUSED_FORWARD = new ThreadLocal<>();

  private ProcessingObserver observer;
  private RefusedResults refused;

  @Override
  public void configure(Map<String, ?> configs) {
    refused = RefusedResults.in(configs);
    Object configured = configs.get(ProcessingObserver.CONFIG);
    if (!(configured instanceof ProcessingObserver)) {
      throw new IllegalArgumentException(
          ProcessingObserver.CONFIG + " must be a ProcessingObserver, not " + configured);
    }
    observer = (ProcessingObserver) configured;
  }

  @Override
  public <KIn, VIn, KOut, VOut>
      WrappedProcessorSupplier<KIn, VIn, KOut, VOut> wrapProcessorSupplier(
          String name, ProcessorSupplier<KIn, VIn, KOut, VOut> supplier) {
    ProcessingObserver target = observer;
    RefusedResults refusals = refused;
    boolean named = !TopologyNaming.generated(name);
    target.observes(name);
    return new WrappedProcessorSupplier<>() {
      @Override
      public Processor<KIn, VIn, KOut, VOut> get() {
        Processor<KIn, VIn, KOut, VOut> delegate = supplier.get();
        return new Processor<>() {
          private ProcessorContext<KOut, VOut> context;

          @Override
          public void init(ProcessorContext<KOut, VOut> context) {
            this.context = context;
            REFUSED_FORWARD.remove();
            delegate.init(context);
          }

          @Override
          public void process(Record<KIn, VIn> record) {
            observe(
                target,
                refusals,
                name,
                named,
                context,
                record.headers(),
                record.timestamp(),
                () -> delegate.process(record));
          }

          @Override
          public void close() {
            delegate.close();
          }
        };
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return supplier.stores();
      }
    };
  }

  @Override
  public <KIn, VIn, VOut>
      WrappedFixedKeyProcessorSupplier<KIn, VIn, VOut> wrapFixedKeyProcessorSupplier(
          String name, FixedKeyProcessorSupplier<KIn, VIn, VOut> supplier) {
    ProcessingObserver target = observer;
    RefusedResults refusals = refused;
    boolean named = !TopologyNaming.generated(name);
    target.observes(name);
    return new WrappedFixedKeyProcessorSupplier<>() {
      @Override
      public FixedKeyProcessor<KIn, VIn, VOut> get() {
        FixedKeyProcessor<KIn, VIn, VOut> delegate = supplier.get();
        return new FixedKeyProcessor<>() {
          private FixedKeyProcessorContext<KIn, VOut> context;

          @Override
          public void init(FixedKeyProcessorContext<KIn, VOut> context) {
            this.context = context;
            REFUSED_FORWARD.remove();
            delegate.init(context);
          }

          @Override
          public void process(FixedKeyRecord<KIn, VIn> record) {
            observe(
                target,
                refusals,
                name,
                named,
                context,
                record.headers(),
                record.timestamp(),
                () -> delegate.process(record));
          }

          @Override
          public void close() {
            delegate.close();
          }
        };
      }

      @Override
      public Set<StoreBuilder<?>> stores() {
        return supplier.stores();
      }
    };
  }

  private static void observe(
      ProcessingObserver observer,
      RefusedResults refused,
      String processor,
      boolean named,
      ProcessingContext context,
      Headers headers,
      long timestamp,
      Runnable process) {
    ProcessingFailures.Forwarding forwarding = ProcessingFailures.current();
    if (forwarding.depth == 0 && refused != null && refusedBefore(refused, context)) {
      // Failed for the queries that wait on this branch, as for the branch that threw.
      observer.failed(
          processor,
          context.taskId().partition(),
          context.recordMetadata().map(RecordMetadata::offset).orElse(-1L),
          EventHeaders.eventId(headers),
          null);
      return;
    }
    if (forwarding.skips(processor)) {
      return; // a record read again that this branch took whole before
    }
    RecordMetadata input = forwarding.depth == 0 ? context.recordMetadata().orElse(null) : null;
    String eventId = forwarding.depth == 0 ? EventHeaders.eventId(headers) : null;
    if (input != null && input.topic() != null) {
      ResultInputs.Input of =
          new ResultInputs.Input(
              input.topic(), input.partition(), input.offset(), timestamp, eventId);
      forwarding.process(processor, named, () -> ResultInputs.processing(of, process));
    } else {
      forwarding.process(processor, named, process); // nested, or a punctuator's: no input
    }
    if (forwarding.depth == 0) {
      observer.processed(
          processor,
          context.taskId().partition(),
          context.recordMetadata().map(RecordMetadata::offset).orElse(-1L),
          eventId,
          EventHeaders.occurredAt(headers));
    }
  }

  /**
   * Refuses, before any processor runs, an input whose result Kafka refused when it last ran: the
   * first processor its source forwards it to throws, for the processing handler to dead-letter it;
   * the others skip it.
   *
   * @return whether to skip the record, dead-lettered already in this forward
   */
  private static boolean refusedBefore(RefusedResults refused, ProcessingContext context) {
    RecordMetadata input = context.recordMetadata().orElse(null);
    if (input == null) {
      return false;
    }
    String why = refused.refusal(input.topic(), input.partition(), input.offset());
    if (why == null) {
      return false;
    }
    String forward = input.topic() + '-' + input.partition() + '@' + input.offset();
    if (forward.equals(REFUSED_FORWARD.get())) {
      return true;
    }
    REFUSED_FORWARD.set(forward);
    throw new RefusedResults.RefusedResultException(
        "Kafka refused a result of this record when it was last processed, which failed the"
            + " transaction: "
            + why);
  }
}
