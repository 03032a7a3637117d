# gnuplot cue_margins.gp  (run in this directory)
mu = 0.884782
set title "Post-cue margin of the small model (mean ± SE) vs global mean"
set ylabel "p(top1) - p(top2)"
set xtics rotate by 60 right font ",9"
set key top right
set grid ytics
set yrange [0:1]
set xrange [-1:19]
set style fill solid 0.6
set boxwidth 0.6
do for [fmt in "png svg"] {
  if (fmt eq "png") { set terminal pngcairo size 800,520 }
  if (fmt eq "svg") { set terminal svg size 800,520 dynamic }
  set output "cue_margins.".fmt
  plot "cue_margins.dat" using 1:($5==1?$3:1/0):xtic(2) with boxes lc rgb "#2a9d8f" title "selected", \
       "" using 1:($5==0?$3:1/0) with boxes lc rgb "#bbbbbb" title "not selected", \
       "" using 1:3:4 with yerrorbars lc rgb "black" pt -1 notitle, \
       mu with lines lc rgb "#e76f51" lw 2 title sprintf("global mean %.3f", mu)
}
