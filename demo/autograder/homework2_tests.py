# The autograder of Homework 2 (info8010-demo): run in the student's kernel after their
# notebook. Each test_* function is a test; @points(n, "message") gives its points and the
# message students read. An assert that fails shows its own message too.
import numpy as np


@points(1, "relu(x) keeps the positive entries of an array and sets the others to 0")
def test_relu():
    x = np.array([[-1.0, 0.0, 2.5], [3.0, -0.5, 1.0]])
    out = relu(x)
    assert out is not None, "relu returned None"
    assert np.shape(out) == x.shape, f"shape {np.shape(out)}, expected {x.shape}"
    assert np.allclose(out, [[0.0, 0.0, 2.5], [3.0, 0.0, 1.0]]), "wrong values"


@points(2, "conv2d(image, kernel) is the valid 2-D cross-correlation (no padding, stride 1)")
def test_conv2d():
    rng = np.random.default_rng(8010)
    image, kernel = rng.normal(size=(6, 7)), rng.normal(size=(3, 2))
    expected = np.array(
        [[np.sum(image[i : i + 3, j : j + 2] * kernel) for j in range(6)] for i in range(4)]
    )
    out = conv2d(image, kernel)
    assert out is not None, "conv2d returned None"
    assert np.shape(out) == expected.shape, f"shape {np.shape(out)}, expected {expected.shape}"
    assert np.allclose(out, expected), "values differ from the valid cross-correlation"


@points(2, "max_pool2d(x, size) takes the maximum of each size×size block")
def test_max_pool2d():
    x = np.arange(24.0).reshape(4, 6)
    out = max_pool2d(x, 2)
    assert out is not None, "max_pool2d returned None"
    assert np.shape(out) == (2, 3), f"shape {np.shape(out)}, expected (2, 3)"
    assert np.allclose(out, [[7, 9, 11], [19, 21, 23]]), "wrong values"
