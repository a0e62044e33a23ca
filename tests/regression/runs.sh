# The regression runs: name -> scenario and options. Small, so the suite
# stays fast, but through every model of the household step.
declare -A runs=(
    [holf_trial]=holf_trial.cfg
    [national_small]=national.cfg
)
declare -A args=(
    [holf_trial]="--reps 2 --seed 7 --set run.report_every=6"
    [national_small]="--reps 2 --seed 7 --set population.households=2000 --set offices.count=20 --set run.report_every=6"
)
