/** Reference topologies: read models, analytics and the order saga. */
package io.tideway.projections;
