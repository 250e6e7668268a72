# hearth web template nginx/php-fpm/default (HTTP): %domain%, PHP run by the domain's pool.
server {
    listen      %ip%:%web_port%;
    server_name %domain_idn% %alias_idn%;
    root        %docroot%;
    index       index.php index.html index.htm;

    access_log  %log_dir%/%domain%.log combined;
    access_log  %log_dir%/%domain%.bytes bytes;
    error_log   %log_dir%/%domain%.error.log error;

    # A redirect to HTTPS, when the domain has one (absent otherwise).
    include %home%/%user%/conf/web/%domain%/nginx.forcessl.conf*;

    # Hidden files stay hidden, except the ACME and other well-known paths.
    location ~ /\.(?!well-known/) {
        return 404;
    }

    location = /favicon.ico {
        log_not_found off;
        access_log    off;
    }

    location = /robots.txt {
        log_not_found off;
        access_log    off;
    }

    location ~ [^/]\.php(/|$) {
        try_files $uri =404;
        include /etc/nginx/fastcgi_params;
        fastcgi_param SCRIPT_FILENAME $request_filename;
        fastcgi_index index.php;
        fastcgi_pass  %backend_lsnr%;
        include %home%/%user%/conf/web/%domain%/nginx.fastcgi_cache.conf*;
    }

    location /error/ {
        alias %home%/%user%/web/%domain%/document_errors/;
    }

    location /vstats/ {
        alias   %home%/%user%/web/%domain%/stats/;
        # The statistics password, in the root-owned conf directory: never a file of the user's web
        # directory (an include runs as nginx's configuration, with its rights).
        include %home%/%user%/conf/web/%domain%/nginx.stats_auth.conf*;
    }

    # The domain's own additions (nginx.conf_NAME beside this file).
    include %home%/%user%/conf/web/%domain%/nginx.conf_*;
}
