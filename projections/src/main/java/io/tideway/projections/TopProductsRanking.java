package io.tideway.projections;

import io.tideway.projections.model.ProductSales;
import io.tideway.projections.model.TopProducts;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.TimestampedWindowStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;

/**
 * Ranks the products of the five-minute window that ends with the current minute (the last five
 * minutes) whenever one of its totals changes, reading every product's total in that window from
 * {@code product-sales-5m}: a product whose sales are older than the change still counts. Updates
 * of the other windows an order falls into are not forwarded. The scan costs one read per product
 * sold in the window.
 */
final class TopProductsRanking
    implements FixedKeyProcessor<Windowed<String>, ProductSales, TopProducts> {

  static final String NAME = "top-products-ranking";

  private FixedKeyProcessorContext<Windowed<String>, TopProducts> context;
  private TimestampedWindowStore<String, ProductSales> sales;

  @Override
  public void init(FixedKeyProcessorContext<Windowed<String>, TopProducts> context) {
    this.context = context;
    this.sales = context.getStateStore(SalesAnalytics.FIVE_MINUTE_STORE);
  }

  @Override
  public void process(FixedKeyRecord<Windowed<String>, ProductSales> record) {
    long minute = SalesAnalytics.ONE_MINUTE.toMillis();
    long currentEnd = record.timestamp() / minute * minute + minute;
    if (record.key().window().end() != currentEnd) {
      return;
    }
    long start = record.key().window().start();
    List<ProductSales> products = new ArrayList<>();
    try (KeyValueIterator<Windowed<String>, ValueAndTimestamp<ProductSales>> window =
        sales.fetchAll(start, start)) {
      window.forEachRemaining(
          (KeyValue<Windowed<String>, ValueAndTimestamp<ProductSales>> entry) ->
              products.add(entry.value.value()));
    }
    products.sort(
        Comparator.comparing(ProductSales::getRevenue)
            .reversed()
            .thenComparing(ProductSales::getProductId));
    context.forward(
        record.withValue(
            new TopProducts(
                Instant.ofEpochMilli(start),
                Instant.ofEpochMilli(currentEnd),
                List.copyOf(products.subList(0, Math.min(SalesAnalytics.TOP, products.size()))))));
  }
}
