package io.tideway.topology;

import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.ProcessorSupplier;
import org.apache.kafka.streams.processor.api.ProcessorWrapper;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.WrappedFixedKeyProcessorSupplier;
import org.apache.kafka.streams.processor.api.WrappedProcessorSupplier;
import org.apache.kafka.streams.state.StoreBuilder;

/**
 * A Kafka Streams {@link ProcessorWrapper} that tells a {@link ProcessingObserver} when a record is
 * done: Streams forwards a record synchronously through its sub-topology, so when the outermost
 * processor call on a thread returns, every processor and store of that sub-topology has seen it.
 */
public final class ObservedProcessors implements ProcessorWrapper {

  /** Processor calls in progress on this stream thread. */
  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private ProcessingObserver observer;

  @Override
  public void configure(Map<String, ?> configs) {
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
    return new WrappedProcessorSupplier<>() {
      @Override
      public Processor<KIn, VIn, KOut, VOut> get() {
        Processor<KIn, VIn, KOut, VOut> delegate = supplier.get();
        return new Processor<>() {
          private int partition;

          @Override
          public void init(ProcessorContext<KOut, VOut> context) {
            partition = context.taskId().partition();
            delegate.init(context);
          }

          @Override
          public void process(Record<KIn, VIn> record) {
            observe(target, name, partition, record.headers(), () -> delegate.process(record));
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
    return new WrappedFixedKeyProcessorSupplier<>() {
      @Override
      public FixedKeyProcessor<KIn, VIn, VOut> get() {
        FixedKeyProcessor<KIn, VIn, VOut> delegate = supplier.get();
        return new FixedKeyProcessor<>() {
          private int partition;

          @Override
          public void init(FixedKeyProcessorContext<KIn, VOut> context) {
            partition = context.taskId().partition();
            delegate.init(context);
          }

          @Override
          public void process(FixedKeyRecord<KIn, VIn> record) {
            observe(target, name, partition, record.headers(), () -> delegate.process(record));
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
      String processor,
      int partition,
      Headers headers,
      Runnable process) {
    int[] depth = DEPTH.get();
    depth[0]++;
    try {
      process.run();
    } finally {
      depth[0]--;
    }
    if (depth[0] == 0) {
      observer.processed(
          processor, partition, EventHeaders.eventId(headers), EventHeaders.occurredAt(headers));
    }
  }
}
