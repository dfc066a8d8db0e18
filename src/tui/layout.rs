//! Where each pane goes: the four automatic layouts, and which pane lies in a direction.

use super::layout_kind::LayoutKind;
use ratatui::layout::Rect;

/// A direction to move the focus in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Towards smaller x.
    Left,
    /// Towards larger x.
    Right,
    /// Towards smaller y.
    Up,
    /// Towards larger y.
    Down,
}

/// The outer area of each of `count` panes in `area`.
///
/// ```
/// use perdix::tui::layout::pane_areas;
/// use perdix::tui::layout_kind::LayoutKind;
/// use ratatui::layout::Rect;
/// let areas = pane_areas(LayoutKind::Tiled, Rect::new(0, 0, 100, 40), 4);
/// assert_eq!(areas[0], Rect::new(0, 0, 50, 20));
/// assert_eq!(areas[3], Rect::new(50, 20, 50, 20));
/// ```
pub fn pane_areas(kind: LayoutKind, area: Rect, count: usize) -> Vec<Rect> {
    match count {
        0 => Vec::new(),
        1 => vec![area],
        _ => match kind {
            LayoutKind::Columns => split(area, count, true),
            LayoutKind::Rows => split(area, count, false),
            LayoutKind::Tiled => tiled(area, count),
            LayoutKind::Main => {
                // The first pane takes the left half; the others share the right half.
                let [main, rest] = halves(area, true);
                let mut areas = vec![main];
                areas.extend(split(rest, count - 1, false));
                areas
            }
        },
    }
}

/// A grid with as many columns as the square root suggests; the last row's panes widen
/// to fill it.
fn tiled(area: Rect, count: usize) -> Vec<Rect> {
    let columns = (count as f64).sqrt().ceil() as usize;
    let rows = count.div_ceil(columns);
    let mut areas = Vec::with_capacity(count);
    for (row, row_area) in split(area, rows, false).into_iter().enumerate() {
        let in_row = (count - row * columns).min(columns);
        areas.extend(split(row_area, in_row, true));
    }
    areas
}

fn halves(area: Rect, side_by_side: bool) -> [Rect; 2] {
    let parts = split(area, 2, side_by_side);
    [parts[0], parts[1]]
}

/// `count` equal parts (the first ones one cell larger when it does not divide).
fn split(area: Rect, count: usize, side_by_side: bool) -> Vec<Rect> {
    let total = if side_by_side { area.width } else { area.height } as usize;
    let mut start = 0usize;
    (0..count)
        .map(|index| {
            let size = total / count + usize::from(index < total % count);
            let part = if side_by_side {
                Rect::new(area.x + start as u16, area.y, size as u16, area.height)
            } else {
                Rect::new(area.x, area.y + start as u16, area.width, size as u16)
            };
            start += size;
            part
        })
        .collect()
}

/// The pane nearest to `from` in `direction` whose span overlaps it across that direction.
///
/// ```
/// use perdix::tui::layout::{neighbour, pane_areas, Direction};
/// use perdix::tui::layout_kind::LayoutKind;
/// use ratatui::layout::Rect;
/// let areas = pane_areas(LayoutKind::Tiled, Rect::new(0, 0, 100, 40), 4);
/// assert_eq!(neighbour(&areas, 0, Direction::Right), Some(1));
/// assert_eq!(neighbour(&areas, 0, Direction::Down), Some(2));
/// assert_eq!(neighbour(&areas, 0, Direction::Left), None);
/// ```
pub fn neighbour(areas: &[Rect], from: usize, direction: Direction) -> Option<usize> {
    let origin = *areas.get(from)?;
    let overlaps = |a0: u16, a1: u16, b0: u16, b1: u16| a0 < b1 && b0 < a1;
    areas
        .iter()
        .enumerate()
        .filter(|&(index, _)| index != from)
        .filter_map(|(index, area)| {
            let (ahead, distance, across) = match direction {
                Direction::Left => (
                    area.right() <= origin.x,
                    origin.x - area.right().min(origin.x),
                    true,
                ),
                Direction::Right => (
                    area.x >= origin.right(),
                    area.x.saturating_sub(origin.right()),
                    true,
                ),
                Direction::Up => (
                    area.bottom() <= origin.y,
                    origin.y - area.bottom().min(origin.y),
                    false,
                ),
                Direction::Down => (
                    area.y >= origin.bottom(),
                    area.y.saturating_sub(origin.bottom()),
                    false,
                ),
            };
            let lined_up = if across {
                overlaps(area.y, area.bottom(), origin.y, origin.bottom())
            } else {
                overlaps(area.x, area.right(), origin.x, origin.right())
            };
            // Prefer the nearest, then the one most aligned with the origin's start.
            let offset = if across {
                area.y.abs_diff(origin.y)
            } else {
                area.x.abs_diff(origin.x)
            };
            (ahead && lined_up).then_some((distance, offset, index))
        })
        .min()
        .map(|(_, _, index)| index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_layout_covers_the_area_exactly() {
        let area = Rect::new(3, 1, 97, 31);
        for kind in LayoutKind::ALL {
            for count in 1..=12 {
                let areas = pane_areas(kind, area, count);
                assert_eq!(areas.len(), count);
                let cells: u32 = areas.iter().map(|rect| rect.area()).sum();
                assert_eq!(cells, area.area(), "{kind:?} {count}");
                for (i, a) in areas.iter().enumerate() {
                    assert!(area.contains(a.as_position()), "{kind:?} {count}");
                    for b in &areas[i + 1..] {
                        assert!(!a.intersects(*b), "{kind:?} {count}: {a:?} {b:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn main_layout_gives_the_first_pane_half() {
        let areas = pane_areas(LayoutKind::Main, Rect::new(0, 0, 80, 30), 4);
        assert_eq!(areas[0], Rect::new(0, 0, 40, 30));
        assert_eq!(areas[1], Rect::new(40, 0, 40, 10));
        assert_eq!(neighbour(&areas, 2, Direction::Left), Some(0));
        assert_eq!(neighbour(&areas, 0, Direction::Right), Some(1));
    }
}
