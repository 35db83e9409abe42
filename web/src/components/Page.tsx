import { useEffect, useRef, type ReactNode } from "react";

/**
 * One page: its title in the tab and in an <h1> that takes focus when the page
 * opens, so a screen reader announces where a navigation landed.
 */
export function Page({ title, children, narrow, intro }: { title: string; children: ReactNode; narrow?: boolean; intro?: ReactNode }) {
  const h1 = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} · Gatehouse`;
    h1.current?.focus({ preventScroll: true });
  }, [title]);
  return (
    <main id="main" className={narrow ? "page narrow" : "page"}>
      <h1 ref={h1} tabIndex={-1}>
        {title}
      </h1>
      {intro && <div className="intro">{intro}</div>}
      {children}
    </main>
  );
}

export function Card({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  return (
    <section className="card" aria-labelledby={id ? `${id}-title` : undefined}>
      <h2 id={id ? `${id}-title` : undefined}>{title}</h2>
      {children}
    </section>
  );
}
