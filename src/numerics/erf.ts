/** The error function, for the exact GELU of HF's BERT (both CPU devices use this one). */

/** erf, Abramowitz & Stegun 7.1.26 refined (|error| < 1.2e-7): enough for GELU in float32. */
export function erf(x: number): number {
  const a = Math.abs(x);
  const k = 1 / (1 + 0.5 * a);
  const y =
    1 -
    k *
      Math.exp(
        -a * a -
          1.26551223 +
          k *
            (1.00002368 +
              k *
                (0.37409196 +
                  k *
                    (0.09678418 +
                      k *
                        (-0.18628806 +
                          k *
                            (0.27886807 +
                              k * (-1.13520398 + k * (1.48851587 + k * (-0.82215223 + k * 0.17087277)))))))),
      );
  return x < 0 ? -y : y;
}
