/** The stream-processing runtime and its building blocks. */
package io.tideway.topology;
