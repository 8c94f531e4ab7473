package io.tideway.projections;

import io.tideway.contracts.order.OrderLine;
import io.tideway.contracts.order.OrderPlaced;
import io.tideway.projections.model.ProductSales;
import io.tideway.projections.model.TopProducts;
import io.tideway.topology.TopologyContext;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KGroupedStream;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * Sales per product by the time orders were placed: {@code product-sales-1m}, one-minute tumbling
 * windows; {@code product-sales-5m}, five-minute windows advancing by a minute; and {@code
 * top-products}, under the key {@value #TOP_KEY}, the ten products with the most revenue in the
 * latest five-minute window.
 *
 * <p>Late and impossible orders are dropped by an explicit policy ({@link LateOrderPolicy}) and
 * counted, before any window sees them: an order placed more than {@link #GRACE} before the latest
 * placement seen is late; so no window ever has to drop one by its own grace.
 */
final class SalesAnalytics {

  static final String ONE_MINUTE_STORE = "product-sales-1m";
  static final String FIVE_MINUTE_STORE = "product-sales-5m";
  static final String TOP_STORE = "top-products";

  /** The one key of {@link #TOP_STORE}. */
  static final String TOP_KEY = "last-5-minutes";

  /**
   * How late an order may be placed behind the latest placement seen: 30 s past the minute a
   * placement time may run ahead of its commit ({@link PlacedAtTimestamps#MAX_CLOCK_SKEW_MS}), so
   * that one order service whose clock runs fast, moving the stream time ahead, does not have the
   * others' orders taken for late.
   */
  static final Duration GRACE =
      Duration.ofMillis(PlacedAtTimestamps.MAX_CLOCK_SKEW_MS).plusSeconds(30);

  /**
   * How late the windows themselves still take a sale: far more than {@link #GRACE}, so that the
   * explicit policy alone drops late orders. The policy judges by the stream time of the task that
   * reads the order, the windows by that of the task after the repartition, which mixes every
   * partition's sales; when partitions drift apart (one lagging, or a rebuild replaying them at
   * different speeds) an order on time by the first could be late by the second, and be dropped
   * silently and uncounted.
   */
  private static final Duration WINDOW_GRACE = Duration.ofMinutes(50);

  static final Duration ONE_MINUTE = Duration.ofMinutes(1);
  static final Duration FIVE_MINUTES = Duration.ofMinutes(5);
  static final int TOP = 10;

  /** How long windows stay queryable. */
  private static final Duration RETENTION = Duration.ofHours(1);

  private SalesAnalytics() {}

  static void build(
      StreamsBuilder builder,
      KStream<String, SpecificRecord> orderEvents,
      TopologyContext context) {
    Serde<ProductSales> sales = context.avroSerde(ProductSales.class);
    Serde<TopProducts> top = context.avroSerde(TopProducts.class);
    builder.addStateStore(
        Stores.keyValueStoreBuilder(
            Stores.persistentKeyValueStore(TopProductsRanking.STORE), Serdes.String(), sales));
    KGroupedStream<String, ProductSales> byProduct =
        orderEvents
            .filter((orderId, event) -> event instanceof OrderPlaced, Named.as("placed"))
            .mapValues(event -> (OrderPlaced) event, Named.as("as-placed"))
            .processValues(LateOrderPolicy::new, Named.as(LateOrderPolicy.NAME))
            .flatMap((orderId, placed) -> perProduct(placed), Named.as("sales-per-line"))
            .groupByKey(
                Grouped.<String, ProductSales>as("sales-by-product")
                    .withKeySerde(Serdes.String())
                    .withValueSerde(sales));
    byProduct
        .windowedBy(TimeWindows.ofSizeAndGrace(ONE_MINUTE, WINDOW_GRACE))
        .reduce(
            SalesAnalytics::add,
            Named.as("sales-1m"),
            Materialized.<String, ProductSales, WindowStore<Bytes, byte[]>>as(ONE_MINUTE_STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(sales)
                .withRetention(RETENTION));
    byProduct
        .windowedBy(TimeWindows.ofSizeAndGrace(FIVE_MINUTES, WINDOW_GRACE).advanceBy(ONE_MINUTE))
        .reduce(
            SalesAnalytics::add,
            Named.as("sales-5m"),
            Materialized.<String, ProductSales, WindowStore<Bytes, byte[]>>as(FIVE_MINUTE_STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(sales)
                .withRetention(RETENTION))
        .toStream(Named.as("sales-5m-updates"))
        // Every product's totals to one task: the products of a window are spread over the
        // partitions of the sales, and a ranking must see them all.
        .map(
            (window, total) ->
                KeyValue.pair(
                    TOP_KEY,
                    new TopProducts(
                        window.window().startTime(), window.window().endTime(), List.of(total))),
            Named.as("top-products-candidates"))
        .repartition(
            Repartitioned.<String, TopProducts>as("top-products-window")
                .withKeySerde(Serdes.String())
                .withValueSerde(top))
        .processValues(
            TopProductsRanking::new, Named.as(TopProductsRanking.NAME), TopProductsRanking.STORE)
        .groupByKey(Grouped.<String, TopProducts>as("top-products").withKeySerde(Serdes.String()))
        .reduce(
            SalesAnalytics::latest,
            Named.as("top-products-rank"),
            Materialized.<String, TopProducts, KeyValueStore<Bytes, byte[]>>as(TOP_STORE)
                .withKeySerde(Serdes.String())
                .withValueSerde(top));
  }

  /** One order's sales, one entry per product (a product on two lines counts as one order). */
  static List<KeyValue<String, ProductSales>> perProduct(OrderPlaced placed) {
    Map<String, ProductSales> byProduct = new LinkedHashMap<>();
    for (OrderLine line : placed.getLines()) {
      String product = line.getProductId().toString();
      ProductSales lineSales =
          new ProductSales(
              product,
              1L,
              (long) line.getQuantity(),
              line.getUnitPrice().multiply(BigDecimal.valueOf(line.getQuantity())));
      byProduct.merge(
          product,
          lineSales,
          (a, b) ->
              new ProductSales(
                  product, 1L, a.getUnits() + b.getUnits(), a.getRevenue().add(b.getRevenue())));
    }
    return byProduct.values().stream().map(s -> KeyValue.pair(s.getProductId(), s)).toList();
  }

  static ProductSales add(ProductSales a, ProductSales b) {
    return new ProductSales(
        a.getProductId(),
        a.getOrders() + b.getOrders(),
        a.getUnits() + b.getUnits(),
        a.getRevenue().add(b.getRevenue()));
  }

  /** The ranking of the latest window; an update of an earlier window changes nothing. */
  static TopProducts latest(TopProducts current, TopProducts update) {
    return update.getWindowStart().isBefore(current.getWindowStart()) ? current : update;
  }
}
