"""Charts as plain SVG geometry (no JavaScript, no chart library): horizontal bars and a tapered funnel that
read at 375 px. Templates draw them; the same numbers are always offered as a table and a CSV."""


def bars(
    rows: list[tuple[str, float | None]], *, width: int = 560, bar_height: int = 22, label_width: int = 170
):
    values = [value or 0 for _, value in rows]
    largest = max(values) if values and max(values) > 0 else 1
    drawn = []
    for index, ((label, value), number) in enumerate(zip(rows, values, strict=True)):
        length = (width - label_width - 70) * float(number) / float(largest)
        drawn.append({"label": label, "value": value, "y": index * (bar_height + 8), "length": round(length, 1),
                      "text_x": round(label_width + length + 6, 1)})  # fmt: skip
    return {"bars": drawn, "height": max(len(drawn) * (bar_height + 8), bar_height), "width": width,
            "label_width": label_width, "bar_height": bar_height}  # fmt: skip


def tapered_funnel(steps, *, width: int = 560, step_height: int = 46):
    """One trapezoid per step, its top as wide as the step's count and its bottom as wide as the next step's."""
    first = steps[0].count if steps and steps[0].count else 1
    shapes = []
    for index, step in enumerate(steps):
        top = width * step.count / first
        following = steps[index + 1].count if index + 1 < len(steps) else step.count
        bottom = width * following / first
        y = index * step_height
        points = [
            ((width - top) / 2, y), ((width + top) / 2, y),
            ((width + bottom) / 2, y + step_height - 4), ((width - bottom) / 2, y + step_height - 4),
        ]  # fmt: skip
        shapes.append({"step": step, "points": " ".join(f"{x:.1f},{y:.1f}" for x, y in points),
                       "label_y": y + step_height / 2})  # fmt: skip
    return {"shapes": shapes, "width": width, "height": max(len(shapes) * step_height, step_height)}
